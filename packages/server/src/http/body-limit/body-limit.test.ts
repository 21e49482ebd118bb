import assert from "node:assert/strict";
import { test } from "node:test";
import { Hono } from "hono";
import { SILENT_LOGGER } from "../../logger.ts";
import { errorHandler } from "../error-handler.ts";
import { requestBodyLimit } from "./body-limit.ts";
import { jsonContentType } from "./json-content-type.ts";
import { DRAIN_BYTES_MAX } from "./read-limited-body.ts";

function limitedApp() {
  const received: number[] = [];
  const app = new Hono();
  app.onError(errorHandler(SILENT_LOGGER));
  app.use(jsonContentType());
  app.use(requestBodyLimit({ bytesMax: 100, routes: [{ method: "POST", path: "/batch", bytesMax: 1000 }] }));
  const handler = async (c: { req: { text(): Promise<string> }; json(body: unknown): Response }) => {
    received.push((await c.req.text()).length);
    return c.json({ ok: true });
  };
  app.post("/one", handler);
  app.post("/batch", handler);
  app.get("/one", (c) => c.json({ ok: true }));
  return { app, received };
}

const json = (size: number) => JSON.stringify({ pad: "x".repeat(Math.max(0, size - 10)) });

/** A body of unknown length, sent in chunks: the limit counts as it reads. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += 16) controller.enqueue(bytes.slice(offset, offset + 16));
      controller.close();
    },
  });
}

test("a body over the limit is 413 request_too_large before the handler runs", async () => {
  const { app, received } = limitedApp();
  const body = json(101);
  const inits: RequestInit[] = [
    { body, headers: { "content-type": "application/json", "content-length": String(body.length) } },
    { body: chunked(body), headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit,
  ];
  for (const init of inits) {
    const response = await app.request("/one", { method: "POST", ...init });
    assert.equal(response.status, 413);
    const error = ((await response.json()) as { error: { code: string; message: string; details: unknown } }).error;
    assert.equal(error.code, "request_too_large");
    assert.match(error.message, /over 100 bytes/);
    assert.deepEqual(error.details, { bytesMax: 100 });
  }
  assert.deepEqual(received, []);
});

test("a body at the limit passes; a named route has its own limit", async () => {
  const { app, received } = limitedApp();
  const post = (path: string, body: string) =>
    app.request(path, { method: "POST", body, headers: { "content-type": "application/json" } });
  assert.equal((await post("/one", json(100))).status, 200);
  assert.equal((await post("/batch", json(1000))).status, 200);
  assert.equal((await post("/batch", json(1001))).status, 413);
  const declared = json(100);
  const withLength = { "content-type": "application/json", "content-length": String(declared.length) };
  assert.equal((await app.request("/one", { method: "POST", body: declared, headers: withLength })).status, 200);
  assert.equal((await app.request("/one")).status, 200);
  assert.deepEqual(received, [100, 1000, 100]);
});

test("a body that is not declared JSON is 400 invalid_request naming Content-Type; no body needs no type", async () => {
  const { app, received } = limitedApp();
  const headerSets: Array<Record<string, string>> = [{ "content-type": "text/plain" }, {}];
  for (const headers of headerSets) {
    const response = await app.request("/one", {
      method: "POST",
      body: "{}",
      headers: { ...headers, "content-length": "2" },
    });
    assert.equal(response.status, 400);
    const error = ((await response.json()) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, "invalid_request");
    assert.match(error.message, /Content-Type: application\/json/);
  }
  assert.deepEqual(received, []);
  const withCharset = await app.request("/one", {
    method: "POST",
    body: "{}",
    headers: { "content-type": "application/json; charset=utf-8", "content-length": "2" },
  });
  assert.equal(withCharset.status, 200);
  const empty = await app.request("/one", { method: "POST", headers: { "content-length": "0" } });
  assert.equal(empty.status, 200);
});

test("a chunked body over the limit by more than the server drains is 413 with Connection: close", async () => {
  const { app, received } = limitedApp();
  const chunk = new Uint8Array(1_048_576).fill(0x20);
  let sent = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      // More than DRAIN_BYTES_MAX past the limit, then it would go on: the server stops reading.
      if (sent++ > (DRAIN_BYTES_MAX / chunk.length) * 4) controller.close();
      else controller.enqueue(chunk);
    },
  });
  const response = await app.request("/one", {
    method: "POST",
    body: endless,
    headers: { "content-type": "application/json" },
    duplex: "half",
  } as RequestInit);
  assert.equal(response.status, 413);
  assert.equal(response.headers.get("connection"), "close");
  assert.ok(sent < (DRAIN_BYTES_MAX / chunk.length) * 2, "the server stopped reading");
  assert.deepEqual(received, []);
});
