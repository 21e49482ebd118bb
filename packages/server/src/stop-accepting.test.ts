import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { stopAccepting } from "./stop-accepting.ts";

/** A listening server whose `/slow` answers only when the test says so. */
async function slowServer() {
  let release = () => {};
  let arrived = () => {};
  const slowArrived = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const app = new Hono();
  app.get("/slow", async (c) => {
    arrived();
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    return c.text("finished");
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url, slowArrived, release: () => release() };
}

test("close drains: an in-flight request finishes, and new connections are refused meanwhile", async () => {
  const { server, url, slowArrived, release } = await slowServer();
  const slow = fetch(`${url}/slow`);
  await slowArrived;
  let closed = false;
  const closing = stopAccepting(server, 10_000).then(() => {
    closed = true;
  });
  await assert.rejects(fetch(`${url}/slow`, { headers: { connection: "close" } }));
  assert.equal(closed, false, "still draining while the request runs");
  release();
  const response = await slow;
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "finished");
  await closing;
  assert.equal(closed, true);
});

test("a request that outlives the drain timeout has its connection cut", async () => {
  const { server, url, slowArrived, release } = await slowServer();
  const slow = fetch(`${url}/slow`);
  await slowArrived;
  const startedMs = performance.now();
  await stopAccepting(server, 100);
  assert.ok(performance.now() - startedMs >= 90);
  await assert.rejects(slow);
  release();
});

// Both timeouts are ten minutes, so closing at all (within the test's timeout) proves it closed
// because the last request was answered, however slow the machine.
const NEVER_MS = 600_000;

test("a keep-alive connection is closed once its last request is answered, not after the keep-alive timeout", {
  timeout: 120_000,
}, async () => {
  const { server, url, slowArrived, release } = await slowServer();
  server.keepAliveTimeout = NEVER_MS;
  const slow = fetch(`${url}/slow`); // undici keeps the connection alive
  await slowArrived;
  const closing = stopAccepting(server, NEVER_MS);
  release();
  await (await slow).text();
  await closing;
});
