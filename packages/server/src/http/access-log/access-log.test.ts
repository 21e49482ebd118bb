import assert from "node:assert/strict";
import { test } from "node:test";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { createJsonLogger } from "../../logger.ts";
import { accessLog } from "./access-log.ts";

function loggedApp() {
  const lines: string[] = [];
  const logger = createJsonLogger({ write: (line: string) => lines.push(line) });
  let nowMs = 0;
  const app = new Hono();
  app.use(requestId());
  app.use(accessLog({ logger, nowMs: () => nowMs, keyIdOf: (c) => c.get("keyId" as never) }));
  // Stands for authentication: the key id is set, the token is only in the header.
  app.use("/private/*", async (c, next) => {
    c.set("keyId" as never, "key_123" as never);
    await next();
  });
  app.get("/private/accounts/:account", (c) => {
    nowMs += 1.234;
    return c.json({ account: c.req.param("account") });
  });
  app.get("/public", (c) => c.text("ok"));
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { app, lines, entries };
}

test("one line per request: request id, method, route pattern, status, duration and the key id, never the token", async () => {
  const { app, lines, entries } = loggedApp();
  const token = "tg_sk_VerySecretTokenValue";
  const response = await app.request("/private/accounts/user:alice?cursor=x", {
    headers: { authorization: `Bearer ${token}`, "x-request-id": "req-1" },
  });
  assert.equal(response.status, 200);
  assert.equal(lines.length, 1);
  assert.deepEqual(entries()[0], {
    time: entries()[0]?.time,
    level: "info",
    message: "request",
    requestId: "req-1",
    method: "GET",
    route: "/private/accounts/:account",
    status: 200,
    durationMs: 1.23,
    keyId: "key_123",
  });
  // Neither the token nor the raw path (an external id, a query string) is logged.
  for (const secret of [token, "VerySecret", "alice", "cursor"]) assert.ok(!lines[0]?.includes(secret), lines[0]);
});

test("an unauthenticated request has no keyId; an unknown route is 'unmatched'", async () => {
  const { app, entries } = loggedApp();
  await app.request("/public");
  await app.request("/missing/path");
  const [publicEntry, missing] = entries();
  assert.equal(publicEntry?.route, "/public");
  assert.equal("keyId" in (publicEntry ?? {}), false);
  assert.equal(typeof publicEntry?.requestId, "string");
  assert.deepEqual([missing?.route, missing?.status], ["unmatched", 404]);
});
