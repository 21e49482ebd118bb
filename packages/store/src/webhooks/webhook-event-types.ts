/**
 * Every event type Tollgate sends, in one place: a later feature adds its type here (and its
 * payload to docs/concepts/webhooks.md), and endpoints, the CLI and the API accept it.
 *
 * @example
 * const type: WebhookEventType = "balance.low";
 * isWebhookEventType("grant.expired"); // true
 */
export const WEBHOOK_EVENT_TYPES = [
  "balance.low",
  "balance.depleted",
  "grant.expired",
  "hold.expired",
  "subscription.renewed",
  "pack.purchased",
  "subscription.past_due",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * Whether `value` names an event type Tollgate sends.
 *
 * @example
 * isWebhookEventType("balance.low"); // true
 */
export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === "string" && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** The account an event concerns, as every payload names it. */
export interface WebhookAccount {
  id: string;
  type: string;
  externalId: string;
}

/**
 * An event as the outbox stores it and the app receives it: `data` is the type's payload,
 * amounts as decimal strings in the unit's scale plus the minor amount as an integer string.
 */
export interface WebhookEvent {
  eventId: string;
  accountId: string;
  type: WebhookEventType;
  data: Record<string, unknown>;
  createdAt: Date;
}
