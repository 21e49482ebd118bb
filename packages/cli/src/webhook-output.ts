import { CliError, invalidInput } from "./cli-error.ts";

/** The most rows a page of endpoints, events or deliveries holds (the API's limit). */
export const WEBHOOK_PAGE_MAX = 500;

/** An endpoint as `/v1/webhook-endpoints` answers it: never its secret, except on creation. */
export interface EndpointJson {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  createdAt: string;
  disabledAt: string | null;
}

/** An event as `/v1/webhook-events` answers it; `data` is the payload endpoints receive. */
export interface EventJson {
  id: string;
  type: string;
  accountId: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/** A delivery as `/v1/webhook-deliveries` answers it. */
export interface DeliveryJson {
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

/** One attempt of a delivery, oldest first in `GET /v1/webhook-deliveries/{delivery}`'s `log`. */
export interface AttemptJson {
  attempt: number;
  startedAt: string;
  durationMs: number;
  responseStatus: number | null;
  error: string | null;
  responseBody: string | null;
}

/** A page of any webhook list. */
export interface PageJson<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * Runs an API call and reports an API error whose code is `code` as `instead` says, for a
 * refusal the command can explain in its own terms (a command to run, not a route to call).
 *
 * @example
 * await refusedAs("not_found", () => api.request("GET", path), () => new CliError("endpoint_not_found", "…", EXIT.failed));
 */
export async function refusedAs<T>(code: string, call: () => Promise<T>, instead: () => CliError): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CliError && error.code === code) throw instead();
    throw error;
  }
}

/** "all", or the endpoint's event types joined by `separator`. */
export function eventTypesLabel(endpoint: Pick<EndpointJson, "eventTypes">, separator = ", "): string {
  return endpoint.eventTypes.length === 0 ? "all" : endpoint.eventTypes.join(separator);
}

/**
 * `--before`, checked here because the API names it `after` (its pages run newest first, so
 * the next page is older): a bad cursor is reported under the option the user typed.
 *
 * @example
 * beforeCursorOf(options.before, "evt"); // undefined, or "evt_…"
 */
export function beforeCursorOf(text: string | undefined, prefix: "evt" | "wd"): string | undefined {
  if (text !== undefined && !new RegExp(`^${prefix}_[0-9a-f]{32}$`).test(text)) {
    throw invalidInput(`--before must be the cursor a previous page printed (${prefix}_…); got "${text}"`);
  }
  return text;
}
