import type { Server } from "node:http";

/** How often, while draining, connections that went idle are closed. */
const IDLE_SWEEP_MS = 50;

/**
 * Graceful close of a listening server: refuses new connections at once, lets in-flight
 * requests finish, closes each keep-alive connection as soon as it is idle (rather than after
 * the keep-alive timeout, so a drain takes as long as the slowest request), and after
 * `drainTimeoutMs` cuts whatever is left (a stream, a stuck client). Settles when every
 * connection is closed.
 *
 * @example
 * await stopAccepting(server, 10_000);
 */
export function stopAccepting(server: Server, drainTimeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
    const idleSweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    deadline.unref();
    idleSweep.unref();
    server.close(() => {
      clearTimeout(deadline);
      clearInterval(idleSweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
