import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy between the server under test and PostgreSQL that the test can break: cut every
 * connection at once (a crash, a network partition) and refuse new ones (PostgreSQL
 * unreachable), then let connections through again. It only ever breaks its own connections,
 * so the shared PostgreSQL and its other users are never disturbed.
 *
 * @example
 * const proxy = await TcpFaultProxy.start({ host: "127.0.0.1", port: 5432 });
 * proxy.goDown();   // every connection reset, new ones reset on arrival
 * proxy.comeBack(); // connections pass again
 * await proxy.close();
 */
export class TcpFaultProxy {
  readonly #server: Server;
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  #down = false;
  #refused = 0;

  private constructor(
    server: Server,
    private readonly target: { host: string; port: number },
  ) {
    this.#server = server;
    server.on("connection", (client) => this.#accept(client));
  }

  /** Listens on a free port of 127.0.0.1 and forwards each connection to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpFaultProxy> {
    const server = createServer();
    const proxy = new TcpFaultProxy(server, target);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("the proxy is not listening");
    return address.port;
  }

  /** Connections open through the proxy now. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** Connections reset on arrival while down. */
  get refused(): number {
    return this.#refused;
  }

  /** PostgreSQL becomes unreachable: every open connection is reset, and each new one as it arrives. */
  goDown(): void {
    this.#down = true;
    for (const pair of this.#pairs) this.#cut(pair);
  }

  /** PostgreSQL is reachable again through the proxy. */
  comeBack(): void {
    this.#down = false;
  }

  /** Resets every connection and stops listening. */
  async close(): Promise<void> {
    for (const pair of this.#pairs) this.#cut(pair);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.#down) {
      this.#refused++;
      client.on("error", () => {});
      resetConnection(client);
      return;
    }
    const upstream = createConnection(this.target);
    // As node-postgres does on its own socket: a forwarded message goes at once, not after Nagle's delay.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair = { client, upstream };
    this.#pairs.add(pair);
    // Either side failing or closing ends the pair, as a real network path would.
    const end = () => this.#cut(pair);
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  #cut(pair: { client: Socket; upstream: Socket }): void {
    if (!this.#pairs.delete(pair)) return;
    // A reset, not a polite FIN: the client learns at once, as from a crashed peer.
    resetConnection(pair.client);
    resetConnection(pair.upstream);
  }
}

/** Ends a connection with a reset where it can, and plainly where a reset is not possible. */
export function resetConnection(socket: Socket): void {
  if (socket.destroyed) return;
  // A socket that has begun to end (the peer's FIN passed through the pipe and ended this side)
  // cannot be reset: Node answers EINVAL and leaks the handle, and the process then spins at 100%
  // CPU forever on exit, waiting for a close that never comes (Node 20). It is closed plainly.
  if (socket.writableEnded) {
    socket.destroy();
    return;
  }
  try {
    socket.resetAndDestroy();
  } catch {
    // Still connecting: there is no connection to reset yet.
    socket.destroy();
  }
}
