import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/**
 * The status a request is logged with when its client went away before it was answered (nginx's
 * 499): no one reads the answer, and it is the client's doing, not a server error.
 */
export const CLIENT_CLOSED_STATUS = 499;

/**
 * Whether the request's client is gone: it aborted, or its connection closed before the whole
 * request arrived (an upload cut off). Only the request's own side counts, so a reset of the
 * database connection is still a server error.
 *
 * @example
 * if (clientClosed(c)) return c.body(null, CLIENT_CLOSED_STATUS);
 */
export function clientClosed(c: Context): boolean {
  if (c.req.raw.signal?.aborted) return true;
  // Under @hono/node-server the Node request is the context's `incoming` binding.
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming !== undefined && !incoming.complete && (incoming.destroyed || incoming.errored !== null);
}
