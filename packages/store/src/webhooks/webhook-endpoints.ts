import { randomBytes } from "node:crypto";
import { newIdAt } from "../new-id.ts";
import type { SqlExecutor } from "../sql-client.ts";
import { isWebhookEventType, WEBHOOK_EVENT_TYPES, type WebhookEventType } from "./webhook-event-types.ts";
import type { WebhookPage } from "./webhook-log.ts";
import { assertWebhookId, boundedInteger, WEBHOOK_PAGE_MAX } from "./webhook-validation.ts";

/** An endpoint as lists and logs show it: never its secret. */
export interface WebhookEndpointInfo {
  endpointId: string;
  url: string;
  /** The types sent to it; empty for every type. */
  eventTypes: WebhookEventType[];
  description: string | null;
  enabled: boolean;
  createdAt: Date;
  disabledAt: Date | null;
}

export interface CreateWebhookEndpointInput {
  /** http:// or https://, at most 2048 characters, without a user name or password. */
  url: string;
  /** Empty or absent: every type, including types added later. */
  eventTypes?: readonly string[];
  description?: string | null;
}

/** What an update changes; a field left out stays as it is. */
export interface UpdateWebhookEndpointInput {
  url?: string;
  /** Empty: every type, including types added later. */
  eventTypes?: readonly string[];
  /** Null clears it. */
  description?: string | null;
}

export type UpdateWebhookEndpointResult =
  | { code: "updated"; endpoint: WebhookEndpointInfo }
  | { code: "disabled"; endpoint: WebhookEndpointInfo }
  | { code: "not_found" };

export type DisableWebhookEndpointResult =
  | { code: "disabled"; endpoint: WebhookEndpointInfo; pendingFailed: number }
  | { code: "already_disabled"; endpoint: WebhookEndpointInfo }
  | { code: "not_found" };

export const WEBHOOK_URL_LENGTH_MAX = 2048;
const SECRET_PREFIX = "whsec_";
const CONTROL_CHARACTER = /\p{Cc}/u;

interface EndpointDbRow {
  endpoint_id: string;
  url: string;
  event_types: string[];
  description: string | null;
  enabled: boolean;
  created_at: Date;
  disabled_at: Date | null;
}

const COLUMNS = "endpoint_id, url, event_types, description, enabled, created_at, disabled_at";

/** Stores a new endpoint; `secret` (`whsec_` + 256 random bits) is returned here only. */
export async function createEndpoint(
  sql: SqlExecutor,
  input: CreateWebhookEndpointInput,
  now: Date,
): Promise<{ endpoint: WebhookEndpointInfo; secret: string }> {
  const url = webhookUrlOf(input.url);
  const eventTypes = eventTypesOf(input.eventTypes ?? []);
  const description = descriptionOf(input.description);
  const secret = SECRET_PREFIX + randomBytes(32).toString("base64url");
  const [row] = await sql.query<EndpointDbRow>(
    `insert into webhook_endpoints (endpoint_id, url, secret, event_types, description, enabled, created_at)
     values ($1, $2, $3, $4::text[], $5, true, $6) returning ${COLUMNS}`,
    [newIdAt("webhookEndpoint", now), url, secret, eventTypes, description, now.toISOString()],
  );
  if (!row) throw new Error("inserting a webhook endpoint returned no row");
  return { endpoint: toInfo(row), secret };
}

/** Endpoints in creation order, disabled ones only when asked for. */
export async function listEndpoints(
  sql: SqlExecutor,
  options: { includeDisabled?: boolean; limit?: number } = {},
): Promise<WebhookEndpointInfo[]> {
  return (await endpointPage(sql, { limit: 100, ...options })).items;
}

/**
 * Endpoints in creation order a page at a time: `after` is the previous page's `nextCursor`
 * (the last endpoint id it showed).
 */
export async function endpointPage(
  sql: SqlExecutor,
  options: { includeDisabled?: boolean; limit?: number; after?: string | null } = {},
): Promise<WebhookPage<WebhookEndpointInfo>> {
  const limit = boundedInteger("limit", options.limit ?? 50, 1, WEBHOOK_PAGE_MAX);
  if (options.after != null) assertWebhookId("endpoint", options.after);
  const rows = await sql.query<EndpointDbRow>(
    `select ${COLUMNS} from webhook_endpoints where ($1::boolean or enabled) and ($2::text is null or endpoint_id > $2)
     order by endpoint_id limit $3`,
    [options.includeDisabled === true, options.after ?? null, limit + 1],
  );
  const items = rows.slice(0, limit).map(toInfo);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.endpointId ?? null) : null };
}

/** One endpoint, enabled or not; null if there is none. */
export async function getEndpoint(sql: SqlExecutor, endpointId: string): Promise<WebhookEndpointInfo | null> {
  assertWebhookId("endpoint", endpointId);
  const [row] = await sql.query<EndpointDbRow>(`select ${COLUMNS} from webhook_endpoints where endpoint_id = $1`, [
    endpointId,
  ]);
  return row ? toInfo(row) : null;
}

/**
 * Changes an enabled endpoint's URL, event types or description, checked as on creation. Its
 * pending deliveries go to the new URL from their next attempt on; the event types apply to
 * events from now on (deliveries already queued stay). A disabled endpoint stays as it was:
 * disabling is for good.
 */
export async function updateEndpoint(
  sql: SqlExecutor,
  endpointId: string,
  input: UpdateWebhookEndpointInput,
): Promise<UpdateWebhookEndpointResult> {
  assertWebhookId("endpoint", endpointId);
  const url = input.url === undefined ? null : webhookUrlOf(input.url);
  const eventTypes = input.eventTypes === undefined ? null : eventTypesOf(input.eventTypes);
  const description = input.description === undefined ? null : descriptionOf(input.description);
  const [row] = await sql.query<EndpointDbRow>(
    `update webhook_endpoints set url = coalesce($2, url), event_types = coalesce($3::text[], event_types),
       description = case when $4::boolean then $5 else description end
     where endpoint_id = $1 and enabled returning ${COLUMNS}`,
    [endpointId, url, eventTypes, input.description !== undefined, description],
  );
  if (row) return { code: "updated", endpoint: toInfo(row) };
  const existing = await getEndpoint(sql, endpointId);
  return existing ? { code: "disabled", endpoint: existing } : { code: "not_found" };
}

/**
 * Disables an endpoint for good (create a new one to resume): nothing more is sent to it, and
 * its pending deliveries fail with "endpoint disabled" in the same transaction. A replay may
 * send them elsewhere later.
 */
export async function disableEndpoint(
  sql: SqlExecutor,
  endpointId: string,
  now: Date,
): Promise<DisableWebhookEndpointResult> {
  assertWebhookId("endpoint", endpointId);
  const [row] = await sql.query<EndpointDbRow & { pending_failed: number }>(
    `with disabled as (
       update webhook_endpoints set enabled = false, disabled_at = $2 where endpoint_id = $1 and enabled
       returning ${COLUMNS}),
     failed as (
       update webhook_deliveries set status = 'failed', next_attempt_at = null, claim_token = null,
         completed_at = $2, last_error = 'endpoint disabled'
       where endpoint_id = $1 and status = 'pending' and exists (select 1 from disabled) returning 1)
     select d.*, (select count(*)::int from failed) as pending_failed from disabled d`,
    [endpointId, now.toISOString()],
  );
  if (row) return { code: "disabled", endpoint: toInfo(row), pendingFailed: row.pending_failed };
  const existing = await getEndpoint(sql, endpointId);
  return existing ? { code: "already_disabled", endpoint: existing } : { code: "not_found" };
}

/**
 * A URL fit to send webhooks to, normalized, or a RangeError saying what is wrong.
 *
 * @example
 * webhookUrlOf("https://app.example.com/hooks/tollgate");
 */
export function webhookUrlOf(text: unknown): string {
  if (typeof text !== "string" || text.length === 0 || text.length > WEBHOOK_URL_LENGTH_MAX) {
    throw new RangeError(`a webhook URL has 1 to ${WEBHOOK_URL_LENGTH_MAX} characters`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError(`"${text.slice(0, 100)}" is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new RangeError(`a webhook URL is http:// or https://; got ${url.protocol}`);
  }
  // Lists show URLs, and a password in one would be shown with them.
  if (url.username !== "" || url.password !== "") {
    throw new RangeError("a webhook URL cannot carry a user name or password; the signature authenticates Tollgate");
  }
  if (url.hash !== "") throw new RangeError("a webhook URL cannot have a #fragment");
  const normalized = url.toString();
  if (normalized.length > WEBHOOK_URL_LENGTH_MAX) throw new RangeError("the webhook URL is too long");
  return normalized;
}

/**
 * Distinct, known event types, or a RangeError naming the unknown one.
 *
 * @example
 * eventTypesOf(["balance.low", "grant.expired"]);
 */
export function eventTypesOf(types: readonly unknown[]): WebhookEventType[] {
  if (!Array.isArray(types) || types.length > WEBHOOK_EVENT_TYPES.length) {
    throw new RangeError(`event types are a list of at most ${WEBHOOK_EVENT_TYPES.length}`);
  }
  for (const type of types) {
    if (!isWebhookEventType(type)) {
      throw new RangeError(
        `"${String(type).slice(0, 60)}" is not an event type; the types are ${WEBHOOK_EVENT_TYPES.join(", ")}`,
      );
    }
  }
  return [...new Set(types as WebhookEventType[])];
}

/**
 * A description as stored: null, or 1 to 200 printable characters; else a RangeError.
 *
 * @example
 * descriptionOf("billing backend"); // "billing backend"
 */
export function descriptionOf(text: string | null | undefined): string | null {
  if (text === undefined || text === null) return null;
  if (typeof text !== "string" || text.length < 1 || text.length > 200 || CONTROL_CHARACTER.test(text)) {
    throw new RangeError("a webhook endpoint's description has 1 to 200 printable characters");
  }
  return text;
}

function toInfo(row: EndpointDbRow): WebhookEndpointInfo {
  return {
    endpointId: row.endpoint_id,
    url: row.url,
    eventTypes: row.event_types as WebhookEventType[],
    description: row.description,
    enabled: row.enabled,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}
