import type { WebhookDelivery, WebhookEndpointInfo, WebhookEvent } from "@tollgate/store";
import { invalidInput } from "./cli-error.ts";

/**
 * Runs a store call whose bad input is a RangeError, as the CLI's invalid input (exit 2):
 * the store checks first and writes nothing.
 *
 * @example
 * const { endpoint, secret } = await asInput(() => webhooks.createEndpoint({ url }));
 */
export async function asInput<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof RangeError) throw invalidInput(error.message);
    throw error;
  }
}

/** An endpoint as the CLI prints it with --json: never its secret. */
export function endpointJson(endpoint: WebhookEndpointInfo) {
  return {
    endpointId: endpoint.endpointId,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    description: endpoint.description,
    enabled: endpoint.enabled,
    createdAt: endpoint.createdAt.toISOString(),
    disabledAt: endpoint.disabledAt?.toISOString() ?? null,
  };
}

export function eventJson(event: WebhookEvent) {
  return {
    eventId: event.eventId,
    type: event.type,
    accountId: event.accountId,
    createdAt: event.createdAt.toISOString(),
    data: event.data,
  };
}

export function deliveryJson(delivery: WebhookDelivery) {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    ...delivery,
    nextAttemptAt: iso(delivery.nextAttemptAt),
    lastAttemptAt: iso(delivery.lastAttemptAt),
    createdAt: delivery.createdAt.toISOString(),
    completedAt: iso(delivery.completedAt),
  };
}
