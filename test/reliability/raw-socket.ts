import { connect } from "node:net";

/** What came back on a raw connection: the bytes, whether the server reset it, and the first status. */
export interface RawOutcome {
  text: string;
  /** The HTTP status of the first response, or 0 when none came. */
  status: number;
  /** The connection ended by a reset (ECONNRESET/EPIPE) rather than a clean close. */
  reset: boolean;
}

/** Longest a raw exchange may wait for the server to answer or close: generous, it is a bound, not a measure. */
const EXCHANGE_TIMEOUT_MS = 20_000;

/**
 * Writes `parts` to a fresh TCP connection to `url`'s host, one after another (a function part
 * is awaited between writes: a pause, or the point to give up), and collects what the server
 * answers until it closes the connection, `abortAfterWrites` destroys it, or `readUntil` has
 * matched the answer.
 */
export function rawExchange(
  url: string,
  parts: ReadonlyArray<string | Buffer | (() => Promise<void>)>,
  options: { abortAfterWrites?: boolean; readUntil?: RegExp } = {},
): Promise<RawOutcome> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let text = "";
    let reset = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ text, status, reset });
    };
    const timer = setTimeout(finish, EXCHANGE_TIMEOUT_MS);
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => {
      text += chunk;
      if (options.readUntil?.test(text)) finish();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET" || error.code === "EPIPE") reset = true;
      finish();
    });
    socket.on("close", finish);
    socket.once("connect", async () => {
      for (const part of parts) {
        if (done) return;
        if (typeof part === "function") await part();
        else if (!socket.destroyed) await new Promise<void>((written) => socket.write(part, () => written()));
      }
      if (options.abortAfterWrites) finish();
    });
  });
}

/** A pause between two writes of `rawExchange`. */
export const pause = (ms: number) => () => new Promise<void>((resolve) => setTimeout(resolve, ms));
