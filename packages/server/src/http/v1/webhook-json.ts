import { z } from "@hono/zod-openapi";
import {
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_EVENT_TYPES,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEndpointInfo,
  type WebhookEvent,
} from "@tollgate/store";

const DateTime = z.string().openapi({ format: "date-time" });
/** An event type; an unknown one is refused with every type named, so a caller need not look them up. */
export const EventType = z.enum(WEBHOOK_EVENT_TYPES, {
  // Not String(input) for a non-string: an array nested 100 000 deep overflows the stack in join().
  error: (issue) =>
    `${typeof issue.input === "string" ? `"${issue.input.slice(0, 60)}"` : `a ${Array.isArray(issue.input) ? "list" : typeof issue.input}`} is not an event type; the types are ${WEBHOOK_EVENT_TYPES.join(", ")}`,
});

/** An endpoint as every answer shows it: never its signing secret (only its creation's answer has it). */
export const WebhookEndpoint = z
  .object({
    id: z.string().openapi({ example: "we_0193…" }),
    url: z.string(),
    eventTypes: z.array(EventType).openapi({ description: "The types sent to it; empty for every type" }),
    description: z.string().nullable(),
    enabled: z.boolean(),
    createdAt: DateTime,
    disabledAt: DateTime.nullable(),
  })
  .openapi("WebhookEndpoint");

export const WebhookEventJson = z
  .object({
    id: z.string().openapi({ example: "evt_0193…" }),
    type: EventType,
    accountId: z.string(),
    createdAt: DateTime,
    data: z.record(z.string(), z.unknown()).openapi({ description: "The type's payload, as sent to endpoints" }),
  })
  .openapi("WebhookEvent");

export const WebhookDeliveryJson = z
  .object({
    id: z.string().openapi({ example: "wd_0193…" }),
    eventId: z.string(),
    eventType: EventType,
    accountId: z.string(),
    endpointId: z.string(),
    replayOf: z.string().nullable().openapi({ description: "The delivery this one replays" }),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES as unknown as ["pending", "succeeded", "failed"]),
    attempts: z.number().int(),
    nextAttemptAt: DateTime.nullable().openapi({ description: "When it is next tried (pending only)" }),
    lastAttemptAt: DateTime.nullable(),
    lastResponseStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: DateTime,
    completedAt: DateTime.nullable(),
  })
  .openapi("WebhookDelivery");

export const WebhookAttemptJson = z
  .object({
    attempt: z.number().int(),
    startedAt: DateTime,
    durationMs: z.number().int(),
    responseStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    responseBody: z.string().nullable().openapi({ description: "The response body's first 1 KiB" }),
  })
  .openapi("WebhookAttempt");

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function endpointJson(endpoint: WebhookEndpointInfo): z.infer<typeof WebhookEndpoint> {
  return {
    id: endpoint.endpointId,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    description: endpoint.description,
    enabled: endpoint.enabled,
    createdAt: endpoint.createdAt.toISOString(),
    disabledAt: iso(endpoint.disabledAt),
  };
}

export function eventJson(event: WebhookEvent): z.infer<typeof WebhookEventJson> {
  return {
    id: event.eventId,
    type: event.type,
    accountId: event.accountId,
    createdAt: event.createdAt.toISOString(),
    data: event.data,
  };
}

export function deliveryJson(delivery: WebhookDelivery): z.infer<typeof WebhookDeliveryJson> {
  return {
    id: delivery.deliveryId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    accountId: delivery.accountId,
    endpointId: delivery.endpointId,
    replayOf: delivery.replayOf,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: iso(delivery.nextAttemptAt),
    lastAttemptAt: iso(delivery.lastAttemptAt),
    lastResponseStatus: delivery.lastResponseStatus,
    lastError: delivery.lastError,
    createdAt: delivery.createdAt.toISOString(),
    completedAt: iso(delivery.completedAt),
  };
}

export function attemptJson(attempt: WebhookAttempt): z.infer<typeof WebhookAttemptJson> {
  return {
    attempt: attempt.attempt,
    startedAt: attempt.startedAt.toISOString(),
    durationMs: attempt.durationMs,
    responseStatus: attempt.responseStatus,
    error: attempt.error,
    responseBody: attempt.responseBody,
  };
}
