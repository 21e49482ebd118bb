import { CommitLaneFull, isDatabaseUnavailable } from "@tollgate/store";
import { ApiError } from "../http/api-error.ts";
import {
  DATABASE_RETRY_AFTER_SECONDS,
  LEDGER_RETRY_AFTER_SECONDS,
  ledgerQueueFullMessage,
} from "../http/error-handler.ts";

/** A refusal, as every provider's error format carries it. */
export interface ProxyError {
  status: number;
  /** Tollgate's reason (`insufficient_credits`, `upstream_error`, …). */
  code: string;
  message: string;
  /** The field at fault, or the amounts of an `insufficient_credits` (OpenAI's `param`). */
  param: string | null;
}

/** A provider's error response for a refusal: OpenAI's `{error:{…}}`, Anthropic's `{type:"error",…}`. */
export type ProxyErrorFormat = (error: ProxyError) => Response;

/**
 * A thrown error as a refusal: an `ApiError` as its status and code say (its ledger reason,
 * amounts and first field kept), a database that cannot be reached 503 `database_unavailable`
 * (nothing was held or charged that will not be undone: retry), the ledger's lanes full 503
 * `unavailable` (back-pressure: nothing was held), anything else a 500 with
 * nothing leaked.
 *
 * @example
 * proxyErrorOf(new ApiError("unauthenticated", "Send a valid key.")) // { status: 401, code: "unauthenticated", … }
 */
export function proxyErrorOf(error: unknown): ProxyError {
  if (isDatabaseUnavailable(error)) {
    const message = `The database is unavailable right now. Retry after ${DATABASE_RETRY_AFTER_SECONDS} s.`;
    return { status: 503, code: "database_unavailable", message, param: null };
  }
  if (error instanceof CommitLaneFull) {
    return {
      status: 503,
      code: "unavailable",
      message: ledgerQueueFullMessage(LEDGER_RETRY_AFTER_SECONDS),
      param: null,
    };
  }
  if (!(error instanceof ApiError)) return { status: 500, code: "internal", message: "Internal error.", param: null };
  const details = error.details as Record<string, unknown>;
  const code = typeof details.reason === "string" ? details.reason : error.code;
  if (details.required !== undefined || details.available !== undefined) {
    const unit = String(details.unit);
    const amounts = `required ${String(details.required)} ${unit}, available ${String(details.available)} ${unit}`;
    return { status: error.status, code, message: `${error.message} (${amounts})`, param: amounts };
  }
  const fields = details.fields as Array<{ field: string; message: string }> | undefined;
  const field = fields?.[0];
  if (field) {
    return {
      status: error.status,
      code,
      message: `${error.message} ${field.field}: ${field.message}`,
      param: field.field,
    };
  }
  return { status: error.status, code, message: error.message, param: null };
}

/**
 * The `Retry-After` a thrown error's refusal carries, in seconds: the database away, or the
 * ledger's lanes full; null for any other.
 *
 * @example
 * retryAfterSecondsOf(new CommitLaneFull(1024)) // 1
 */
export function retryAfterSecondsOf(error: unknown): number | null {
  if (error instanceof CommitLaneFull) return LEDGER_RETRY_AFTER_SECONDS;
  if (isDatabaseUnavailable(error)) return DATABASE_RETRY_AFTER_SECONDS;
  return null;
}
