import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A test upstream's HTTP server on 127.0.0.1: its origin, and how to stop it with its connections. */
export interface LocalHttpServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves `handle` on a free port of 127.0.0.1, for the fake upstreams. A request the proxy
 * aborts (its hold refused) may fail mid-read: that answer is dropped, not a crash.
 *
 * @example
 * const { origin, close } = await startLocalHttpServer((req, res) => fake.handle(req, res));
 */
export async function startLocalHttpServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<LocalHttpServer> {
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
