import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { type Ledger, WEBHOOK_PAGE_MAX, type Webhooks } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { parseAccountParam } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { errorResponses, jsonContent } from "./schemas.ts";
import {
  attemptJson,
  deliveryJson,
  EventType,
  eventJson,
  WebhookAttemptJson,
  WebhookDeliveryJson,
  WebhookEventJson,
} from "./webhook-json.ts";

const id = (prefix: string, name: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9a-f]{32}$`), `${name} id: ${prefix}_ and 32 hex digits`)
    .openapi({ example: `${prefix}_0193…` });
const EventId = id("evt", "an event");
const DeliveryId = id("wd", "a delivery");
const EndpointId = id("we", "an endpoint");

const EventParam = z.strictObject({ event: EventId.openapi({ param: { name: "event", in: "path" } }) });
const DeliveryParam = z.strictObject({ delivery: DeliveryId.openapi({ param: { name: "delivery", in: "path" } }) });
const Limit = z.coerce.number().int().min(1).max(WEBHOOK_PAGE_MAX).optional();
const Replayed = jsonContent(
  z.object({ deliveryIds: z.array(z.string()).openapi({ description: "The new deliveries, due at once" }) }),
  "The new deliveries",
);

const listEvents = createRoute({
  method: "get",
  path: "/webhook-events",
  summary: "Webhook events newest first, for every account or one, a page at a time (cursor: `after`)",
  request: {
    query: z.strictObject({
      account: z.string().min(1).max(300).optional().openapi({ example: "user:alice" }),
      type: EventType.optional(),
      limit: Limit,
      after: EventId.optional().openapi({ description: "The previous page's nextCursor: older events" }),
    }),
  },
  responses: {
    200: jsonContent(z.object({ data: z.array(WebhookEventJson), nextCursor: z.string().nullable() }), "A page"),
    ...errorResponses([400, 401, 403]),
  },
});

const getEvent = createRoute({
  method: "get",
  path: "/webhook-events/{event}",
  summary: "One webhook event and its payload",
  request: { params: EventParam, query: z.strictObject({}) },
  responses: { 200: jsonContent(WebhookEventJson, "The event"), ...errorResponses([400, 401, 403, 404]) },
});

const listDeliveries = createRoute({
  method: "get",
  path: "/webhook-deliveries",
  summary: "Webhook deliveries newest first, by event, endpoint or status, a page at a time (cursor: `after`)",
  request: {
    query: z.strictObject({
      event: EventId.optional(),
      endpoint: EndpointId.optional(),
      status: z.enum(["pending", "succeeded", "failed"]).optional(),
      limit: Limit,
      after: DeliveryId.optional().openapi({ description: "The previous page's nextCursor: older deliveries" }),
    }),
  },
  responses: {
    200: jsonContent(z.object({ data: z.array(WebhookDeliveryJson), nextCursor: z.string().nullable() }), "A page"),
    ...errorResponses([400, 401, 403]),
  },
});

const getDelivery = createRoute({
  method: "get",
  path: "/webhook-deliveries/{delivery}",
  summary: "One delivery and its log of attempts, oldest first",
  request: { params: DeliveryParam, query: z.strictObject({}) },
  responses: {
    200: jsonContent(WebhookDeliveryJson.extend({ log: z.array(WebhookAttemptJson) }), "The delivery"),
    ...errorResponses([400, 401, 403, 404]),
  },
});

const replayEvent = createRoute({
  method: "post",
  path: "/webhook-events/{event}/replay",
  summary: "Send an event again, as new deliveries to every enabled endpoint that takes its type now",
  description:
    "The earlier deliveries and their logs stay as they were. No enabled endpoint taking the type: 400 with `details.reason: no_endpoint`.",
  request: { params: EventParam, query: z.strictObject({}) },
  responses: { 200: Replayed, ...errorResponses([400, 401, 403, 404, 409, 422]) },
});

const replayDelivery = createRoute({
  method: "post",
  path: "/webhook-deliveries/{delivery}/replay",
  summary: "Send a delivery again, as a new delivery to the same endpoint (marked as its replay)",
  description:
    "The endpoint disabled: 400 with `details.reason: no_endpoint` (replay the event to send it to the enabled endpoints).",
  request: { params: DeliveryParam, query: z.strictObject({}) },
  responses: { 200: Replayed, ...errorResponses([400, 401, 403, 404, 409, 422]) },
});

/** Webhook events, deliveries with their log, and replays under `/v1`, for secret keys only. */
export function webhookLogRoutes(app: OpenAPIHono<AppEnv>, deps: { webhooks: Webhooks; ledger: Ledger }): void {
  const { webhooks, ledger } = deps;

  app.openapi(listEvents, async (c) => {
    requireSecret(callerOf(c));
    const query = c.req.valid("query");
    let accountId: string | undefined;
    if (query.account !== undefined) {
      const found = await ledger.accounts.findId(parseAccountParam(query.account));
      if (!found) return c.json({ data: [], nextCursor: null }, 200);
      accountId = found;
    }
    const page = await webhooks.listEvents({
      ...(accountId ? { accountId } : {}),
      ...(query.type ? { type: query.type } : {}),
      limit: query.limit ?? 50,
      before: query.after ?? null,
    });
    return c.json({ data: page.items.map(eventJson), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getEvent, async (c) => {
    requireSecret(callerOf(c));
    const event = await webhooks.getEvent(c.req.valid("param").event);
    if (!event) throw new ApiError("not_found", "No such webhook event.");
    return c.json(eventJson(event), 200);
  });

  app.openapi(listDeliveries, async (c) => {
    requireSecret(callerOf(c));
    const query = c.req.valid("query");
    const page = await webhooks.listDeliveries({
      ...(query.event ? { eventId: query.event } : {}),
      ...(query.endpoint ? { endpointId: query.endpoint } : {}),
      ...(query.status ? { status: query.status } : {}),
      limit: query.limit ?? 50,
      before: query.after ?? null,
    });
    return c.json({ data: page.items.map(deliveryJson), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getDelivery, async (c) => {
    requireSecret(callerOf(c));
    const delivery = await webhooks.getDelivery(c.req.valid("param").delivery);
    if (!delivery) throw new ApiError("not_found", "No such webhook delivery.");
    return c.json({ ...deliveryJson(delivery), log: delivery.log.map(attemptJson) }, 200);
  });

  const replay = async (id: string) => {
    const result = await webhooks.replay(id);
    if (result.code === "not_found") {
      throw new ApiError("not_found", `No such webhook ${id.startsWith("wd_") ? "delivery" : "event"}.`);
    }
    if (result.code === "no_endpoint") {
      throw new ApiError(
        "invalid_request",
        id.startsWith("wd_")
          ? "The delivery's endpoint is disabled; replay its event (POST /v1/webhook-events/{event}/replay) to send it to the enabled endpoints."
          : "No enabled endpoint takes this event's type; register one with POST /v1/webhook-endpoints, then replay.",
        { reason: "no_endpoint" },
      );
    }
    return { deliveryIds: result.deliveryIds };
  };

  app.openapi(replayEvent, async (c) => {
    requireSecret(callerOf(c));
    return c.json(await replay(c.req.valid("param").event), 200);
  });

  app.openapi(replayDelivery, async (c) => {
    requireSecret(callerOf(c));
    return c.json(await replay(c.req.valid("param").delivery), 200);
  });
}
