// The operations pages' calls (overview, webhooks, keys): the same one `call` as every other
// page, kept in a module of their own so each page's data access reads in one place.
import { call, type Page } from "./tollgate-api.ts";

/** One unit's usage over a window (`GET /v1/overview`). */
export interface UsageTotals {
  unit: string;
  events: number;
  failedEvents: number;
  charged: string;
  providerCostUsd: string;
  chargedUsd: string | null;
  marginUsd: string | null;
}

export interface UsageWindow {
  from: string;
  to: string;
  units: UsageTotals[];
}

export interface Overview {
  now: string;
  timeZone: string;
  outstanding: Array<{ unit: string; accounts: number; balance: string; held: string; debt: string }>;
  activeHolds: Array<{ unit: string; holds: number; amount: string }>;
  today: UsageWindow;
  last30Days: UsageWindow;
  webhooks: {
    failedDeliveries: number;
    retryingDeliveries: number;
    endpoints: Array<{
      id: string;
      url: string;
      enabled: boolean;
      failedDeliveries: number;
      retryingDeliveries: number;
      lastAttemptAt: string | null;
      lastError: string | null;
    }>;
  };
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  accountId: string;
  endpointId: string;
  replayOf: string | null;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastResponseStatus: number | null;
  lastError: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface WebhookEvent {
  id: string;
  type: string;
  accountId: string;
  createdAt: string;
  data: Record<string, unknown>;
}

export interface StripeEvent {
  id: string;
  type: string;
  created: string;
  livemode: boolean;
  receivedAt: string;
  deliveries: number;
  outcome: "received" | "processed" | "ignored" | "failed";
  detail: string | null;
  accountId: string | null;
}

export interface ApiKey {
  id: string;
  kind: "secret" | "customer";
  admin: boolean;
  name: string | null;
  hint: string;
  account: { id: string; type: string; externalId: string } | null;
  expiresAt: string | null;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface NewKey {
  kind: "secret" | "customer";
  admin?: boolean;
  account?: string;
  name?: string;
  expiresIn?: string;
}

/** Rows a page of each log shows. */
export const LOG_PAGE_SIZE = 20;

const pageQuery = (after: string | null, filters: Record<string, string | undefined>) => {
  const query = new URLSearchParams({ limit: String(LOG_PAGE_SIZE) });
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  if (after) query.set("after", after);
  return query;
};

/** The calls of the overview, webhooks and keys pages. Each rejects with an `ApiFailure`. */
export const operationsApi = {
  overview: () =>
    call<Overview>(
      "GET",
      `/v1/overview?timeZone=${encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone)}`,
    ),
  deliveries: (options: { status?: "pending" | "succeeded" | "failed"; after: string | null }) =>
    call<Page<WebhookDelivery>>(
      "GET",
      `/v1/webhook-deliveries?${pageQuery(options.after, { status: options.status })}`,
    ),
  webhookEvents: (options: { after: string | null }) =>
    call<Page<WebhookEvent>>("GET", `/v1/webhook-events?${pageQuery(options.after, {})}`),
  stripeEvents: (options: { outcome?: StripeEvent["outcome"]; after: string | null }) =>
    call<Page<StripeEvent>>("GET", `/v1/stripe/events?${pageQuery(options.after, { outcome: options.outcome })}`),
  replayDelivery: (delivery: string) =>
    call<{ deliveryIds: string[] }>("POST", `/v1/webhook-deliveries/${encodeURIComponent(delivery)}/replay`),
  replayEvent: (event: string) =>
    call<{ deliveryIds: string[] }>("POST", `/v1/webhook-events/${encodeURIComponent(event)}/replay`),
  keys: (options: { includeRevoked: boolean; after: string | null }) =>
    call<Page<ApiKey>>(
      "GET",
      `/v1/keys?${pageQuery(options.after, { includeRevoked: options.includeRevoked ? "true" : undefined })}`,
    ),
  createKey: (body: NewKey) => call<ApiKey & { token: string | null }>("POST", "/v1/keys", body),
  revokeKey: (key: string) => call<ApiKey>("POST", `/v1/keys/${encodeURIComponent(key)}/revoke`),
};
