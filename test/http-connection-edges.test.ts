// What a real connection does at its edges, on raw sockets against a listening server: a chunked
// body over the limit is answered 413 and the same connection still carries the next request; an
// upload the client cuts off is logged as the client's doing (499), not as a server error.
import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ApiKeys } from "@tollgate/store";
import { loadServerConfig } from "../packages/server/src/config.ts";
import type { Logger } from "../packages/server/src/logger.ts";
import { type RunningServer, startServer } from "../packages/server/src/start-server.ts";

const DEADLINE_MS = 30_000;

/** Polls until `check` holds, or fails after a generous deadline (never a timing assertion). */
async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The complete responses read so far on a socket: status, headers and body each. */
function responsesOf(text: string): Array<{ status: number; headers: Map<string, string>; body: string }> {
  const responses = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) break;
    const [statusLine = "", ...lines] = rest.slice(0, end).split("\r\n");
    const headers = new Map(
      lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
    );
    const length = Number(headers.get("content-length") ?? 0);
    if (rest.length < end + 4 + length) break;
    responses.push({ status: Number(statusLine.split(" ")[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return responses;
}

describe("a listening server's connections", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tollgate-connection-edges-"));
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const logger: Logger = {
    info: (message, fields = {}) => lines.push({ level: "info", message, fields }),
    warn: (message, fields = {}) => lines.push({ level: "warn", message, fields }),
    error: (message, fields = {}) => lines.push({ level: "error", message, fields }),
  };
  let server: RunningServer;
  let secret: string;
  let port: number;

  before(async () => {
    const env = { PORT: "0", TOLLGATE_DATA_DIR: join(dataDir, "pglite") };
    server = await startServer(loadServerConfig(env, dataDir), { logger, handleSignals: false, drainTimeoutMs: 5_000 });
    secret = (await new ApiKeys(server.ledger.sql).create({ kind: "secret", name: "connection edges" })).token;
    port = Number(new URL(server.url).port);
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const open = async () => {
    const socket = connect(port, "127.0.0.1");
    const state = { received: "", closed: false, error: null as Error | null };
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      state.received += text;
    });
    socket.on("error", (error) => {
      state.error = error;
    });
    socket.on("close", () => {
      state.closed = true;
    });
    await new Promise((resolve) => socket.once("connect", resolve));
    return { socket, state };
  };
  const postHead = (key: string) =>
    `POST /v1/charges HTTP/1.1\r\nHost: tollgate\r\nAuthorization: Bearer ${secret}\r\nIdempotency-Key: ${key}\r\n` +
    "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  const writeChunk = (socket: Socket, text: string) =>
    socket.write(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);

  test("a chunked body over the limit is 413, and the same connection answers the next request", async () => {
    const { socket, state } = await open();
    try {
      socket.write(postHead("too-large"));
      // 1.25 MiB against the default 1 MiB limit, in 64 KiB chunks.
      for (let chunk = 0; chunk < 20; chunk++) writeChunk(socket, "x".repeat(65_536));
      socket.write("0\r\n\r\n");
      socket.write("GET /healthz HTTP/1.1\r\nHost: tollgate\r\n\r\n");
      await waitFor(() => responsesOf(state.received).length >= 2 || state.closed, "two answers or a close");
      const [refused, next] = responsesOf(state.received);
      assert.equal(refused?.status, 413);
      assert.equal(JSON.parse(refused?.body ?? "{}").error.code, "request_too_large");
      assert.equal(state.error, null, "no reset");
      assert.equal(next?.status, 200, `the connection carried the next request: ${state.received.slice(-300)}`);
    } finally {
      socket.destroy();
    }
  });

  test("an upload the client cuts off is logged as client_closed (499), not as an error", async () => {
    let started = 0;
    const onStart = () => {
      started++;
    };
    subscribe("http.server.request.start", onStart);
    const { socket } = await open();
    try {
      const before = lines.length;
      socket.write(postHead("cut-off"));
      writeChunk(socket, '{"account":"user:cut-off",');
      // Once the server is reading the request, the client goes away mid-body.
      await waitFor(() => started > 0, "the server to start the request");
      socket.destroy();
      const logged = () => lines.slice(before).filter((line) => line.message === "request");
      await waitFor(() => logged().length > 0, "the access log line");
      assert.deepEqual(
        lines.slice(before).filter((line) => line.level === "error"),
        [],
        "nothing logged as an error",
      );
      const [line] = logged();
      assert.equal(line?.fields.status, 499);
      assert.equal(line?.fields.outcome, "client_closed");
    } finally {
      unsubscribe("http.server.request.start", onStart);
      socket.destroy();
    }
  });
});
