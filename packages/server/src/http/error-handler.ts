import { CommitLaneFull, isDatabaseUnavailable } from "@tollgate/store";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "../logger.ts";
import { ApiError, ERROR_STATUS, type ErrorCode } from "./api-error.ts";
import { CLIENT_CLOSED_STATUS, clientClosed } from "./client-closed.ts";

/** Statuses Hono's own exceptions use (body too large, malformed input), as public codes. */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: "invalid_request",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  413: "request_too_large",
  429: "rate_limited",
};

/** What a client waits before retrying a request the database could not serve, in seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

/**
 * What a client waits before retrying a write the ledger's full lanes refused, in seconds: the
 * lanes drain a full queue in a few transactions, well under a second on a healthy database.
 */
export const LEDGER_RETRY_AFTER_SECONDS = 1;

/**
 * The one error handler: `{ error: { code, message, details, requestId } }` for every failure. An
 * unexpected error is logged with its stack and answered with `internal` and nothing else,
 * so no query, path or secret ever reaches a client. A database that cannot be reached or
 * dropped the connection is not a bug: 503 `database_unavailable` with Retry-After, and one
 * warning line with the reason. A write refused because the ledger's lanes are full
 * (`CommitLaneFull`: back-pressure) is 503 `unavailable` with Retry-After and no log line, since
 * under overload one per request would flood the log (the access log has each 503). One caused by the client going away is answered 499 and not
 * logged as an error.
 */
export function errorHandler(logger: Logger): ErrorHandler {
  return (error, c) => {
    if (error instanceof ApiError) return respond(c, error.code, error.status, error.message, error.details);
    // A RangeError is a programmer error like any other: the domain throws it for input its
    // caller should have checked, and every route checks its input at the edge (its schema, or
    // a 400 naming the field), so one reaching here is a check the route is missing.
    if (error instanceof HTTPException && error.status < 500) {
      const code = CODE_BY_STATUS[error.status] ?? "invalid_request";
      // The code's own status, so a client can rely on the table (a 415 from the validator is 400).
      return respond(c, code, ERROR_STATUS[code], error.message || "The request is not valid.");
    }
    // A client that hung up mid-request (an upload cut off) is not a fault of ours: no error
    // line, and the access log shows 499. Nobody is there to read an answer.
    if (clientClosed(c)) return c.body(null, CLIENT_CLOSED_STATUS as ContentfulStatusCode);
    if (error instanceof CommitLaneFull) {
      c.header("Retry-After", String(LEDGER_RETRY_AFTER_SECONDS));
      return respond(c, "unavailable", 503, ledgerQueueFullMessage(LEDGER_RETRY_AFTER_SECONDS), {
        reason: "ledger_queue_full",
        queueMax: error.queueMax,
        retryAfterSeconds: LEDGER_RETRY_AFTER_SECONDS,
      });
    }
    if (isDatabaseUnavailable(error)) {
      logger.warn("request failed: the database is unavailable", {
        requestId: requestIdOf(c),
        method: c.req.method,
        path: c.req.path,
        reason: reasonOf(error),
      });
      c.header("Retry-After", String(DATABASE_RETRY_AFTER_SECONDS));
      return respond(
        c,
        "database_unavailable",
        503,
        `The database is unavailable right now. Retry after ${DATABASE_RETRY_AFTER_SECONDS} s with the same Idempotency-Key: the request takes effect at most once.`,
      );
    }
    logger.error("request failed", { requestId: requestIdOf(c), method: c.req.method, path: c.req.path, error });
    return respond(c, "internal", 500, "Something went wrong on our side. Quote the request id if you report it.");
  };
}

/** The words of a `ledger_queue_full` refusal, the same through the API and the proxy. */
export function ledgerQueueFullMessage(retryAfterSeconds: number): string {
  return `The ledger has as many operations waiting as it may; this request had no effect. Retry after ${retryAfterSeconds} s with the same Idempotency-Key.`;
}

export const notFoundHandler: NotFoundHandler = (c) =>
  respond(c, "not_found", 404, `No route for ${c.req.method} ${c.req.path}.`);

function respond(c: Context, code: ErrorCode, status: number, message: string, details: Record<string, unknown> = {}) {
  return c.json(errorJsonOf(c, { code, message, details }), status as ContentfulStatusCode);
}

/**
 * The body every error answer carries, one definition for the handler and for an answer
 * rendered ahead of it (an Idempotency-Key's answer stored in the ledger's transaction).
 *
 * @example
 * JSON.stringify(errorJsonOf(c, new ApiError("not_found", "No such hold.")));
 */
export function errorJsonOf(c: Context, error: Pick<ApiError, "code" | "message" | "details">) {
  return { error: { code: error.code, message: error.message, details: error.details, requestId: requestIdOf(c) } };
}

/** The database's own words for the failure (its SQLSTATE or socket code and message), for the log only. */
function reasonOf(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return [code, message].filter((part) => typeof part === "string" && part !== "").join(": ") || "unknown";
}

function requestIdOf(c: Context): string | null {
  return (c.get("requestId" as never) as string | undefined) ?? null;
}
