import { connect, type Socket } from "node:net";

/** What one GET got: its status, or null when the connection failed before the answer. */
export type GetAnswer = { status: number } | null;

interface Connection {
  socket: Socket;
  buffer: Buffer;
  /** The request in flight on it, answered when its response's last byte is in. */
  waiting: ((answer: GetAnswer) => void) | null;
}

/** The longest response head this client reads: a balance answer's is a few hundred bytes. */
const HEAD_BYTES_MAX = 16_384;

/**
 * Keep-alive GETs over plain sockets, one request in flight per connection, at most
 * `connectionsMax` connections (a request finding them all busy is not sent). The load generator of the paced balance reads: Node's `http` client
 * spends about half a millisecond of its own per request (request and response objects, the
 * agent's queues), which a sub-millisecond answer would be measured with. Reads only what
 * Tollgate answers a GET with: a status line, headers with `Content-Length`, the body.
 */
export class HttpGetConnections {
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();
  readonly #host: string;
  readonly #port: number;
  readonly #headerLines: string;

  constructor(
    url: string,
    headers: Record<string, string>,
    private readonly connectionsMax: number,
  ) {
    const parsed = new URL(url);
    this.#host = parsed.hostname;
    this.#port = Number(parsed.port);
    this.#headerLines = Object.entries({ host: parsed.host, ...headers })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
  }

  /**
   * Sends `GET path` now if a connection is free or may still be opened; null, sending
   * nothing, when all `connectionsMax` are busy (the paced load skips such a request rather
   * than queue it behind a server that is already that far behind).
   */
  tryGet(path: string): Promise<GetAnswer> | null {
    const connection = this.#idle.pop() ?? (this.#all.size < this.connectionsMax ? this.#open() : null);
    if (!connection) return null;
    return new Promise((answer) => this.#send(connection, path, answer));
  }

  close(): void {
    for (const connection of this.#all) connection.socket.destroy();
    this.#all.clear();
    this.#idle.length = 0;
  }

  #open(): Connection {
    const socket = connect({ host: this.#host, port: this.#port, noDelay: true });
    const connection: Connection = { socket, buffer: Buffer.alloc(0), waiting: null };
    this.#all.add(connection);
    socket.on("data", (chunk: Buffer) => this.#read(connection, chunk));
    const lost = () => {
      this.#all.delete(connection);
      const index = this.#idle.indexOf(connection);
      if (index >= 0) this.#idle.splice(index, 1);
      connection.waiting?.(null);
      connection.waiting = null;
    };
    socket.on("error", () => socket.destroy());
    socket.on("close", lost);
    return connection;
  }

  #send(connection: Connection, path: string, answer: (answer: GetAnswer) => void): void {
    connection.waiting = answer;
    connection.socket.write(`GET ${path} HTTP/1.1\r\n${this.#headerLines}\r\n`);
  }

  #read(connection: Connection, chunk: Buffer): void {
    connection.buffer = connection.buffer.length === 0 ? chunk : Buffer.concat([connection.buffer, chunk]);
    const { buffer } = connection;
    const headEnd = buffer.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      if (buffer.length > HEAD_BYTES_MAX) connection.socket.destroy(new Error("response head too long"));
      return;
    }
    const head = buffer.toString("latin1", 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      connection.socket.destroy(new Error("a response without Content-Length"));
      return;
    }
    const end = headEnd + 4 + Number(length[1]);
    if (buffer.length < end) return;
    if (buffer.length > end) {
      connection.socket.destroy(new Error("bytes after the response: nothing else was asked"));
      return;
    }
    connection.buffer = Buffer.alloc(0);
    const answer = connection.waiting;
    connection.waiting = null;
    this.#idle.push(connection);
    answer?.({ status: Number(head.slice(9, 12)) });
  }
}
