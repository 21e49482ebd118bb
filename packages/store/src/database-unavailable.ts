/**
 * SQLSTATEs that mean the database (not the statement) failed: `57P01` admin_shutdown (the
 * backend was terminated: a failover, a restart, `pg_terminate_backend`), `57P02`
 * crash_shutdown, `57P03` cannot_connect_now (starting up or shutting down), `53300`
 * too_many_connections. Class `08` (connection exception) is matched by its prefix.
 */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300"]);

/** Socket errors from reaching the database: refused, reset, unreachable, timed out, not resolved. */
const UNAVAILABLE_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * What node-postgres says, with no code, when a connection is lost or cannot be had: a socket
 * closed mid-query, a client that already failed, the connect timeout. Matched by message
 * because these are the only words it gives.
 */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /is not queryable$/,
  /^timeout exceeded when trying to connect$/,
  /^Connection ended/,
];

/**
 * True when `error` says the database could not be reached or dropped the connection, not
 * that a statement was wrong: the operation did not happen (or, for a commit cut off
 * mid-flight, may have happened: every write carries an idempotency key, so a retry is safe),
 * and the same request can succeed once the database answers again. The HTTP layer answers
 * these 503 `database_unavailable` with Retry-After.
 *
 * @example
 * try { await ledger.charge(op); } catch (error) { if (isDatabaseUnavailable(error)) retryLater(); else throw error; }
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 4) return false;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === "string") {
    if (UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || UNAVAILABLE_SOCKET_CODES.has(code))
      return true;
  }
  if (typeof message === "string" && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  // Node reports a refused connect to a name with several addresses as an AggregateError.
  if (Array.isArray(errors) && errors.some((each) => isDatabaseUnavailable(each, depth + 1))) return true;
  return cause !== undefined && isDatabaseUnavailable(cause, depth + 1);
}
