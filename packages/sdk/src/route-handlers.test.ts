// The seed apps' routes as Fetch-API handlers mounted in a Hono app, the session deciding the
// account, against the real Tollgate server on both databases.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { Hono } from "hono";
import { createRouteHandlers, createTollgateClient, type TollgateClient } from "./index.ts";
import { openSdkTestServer, type SdkTestServer } from "./sdk-test-server.ts";

for (const database of await testDatabases()) {
  describe(`the route handlers on ${database.name}`, () => {
    let server: SdkTestServer;
    let tollgate: TollgateClient;
    const app = new Hono();
    before(async () => {
      server = await openSdkTestServer(database);
      tollgate = createTollgateClient({ baseUrl: server.baseUrl, secretKey: server.secret, maxRetries: 0 });
      await tollgate.api.POST("/v1/features/{feature}", {
        params: { path: { feature: "generate_goal" } },
        body: { unit: "credits", cost: "3" },
      });
      await tollgate.grants.create("organization:acme", { amount: "5", source: "promo" });
      // The app's session: here a header standing in for its cookie.
      const routes = createRouteHandlers({
        tollgate,
        account: (request) => {
          const org = request.headers.get("x-session-org");
          return org ? `organization:${org}` : null;
        },
      });
      app.all("/api/*", (c) => routes.handle(c.req.raw));
    });
    after(() => server.close());

    const call = async (method: string, path: string, body?: unknown, org: string | null = "acme") => {
      const response = await app.request(path, {
        method,
        headers: { ...(org ? { "x-session-org": org } : {}), "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    test("GET /api/balance: the session's account, and nothing without a session", async () => {
      const { status, body } = await call("GET", "/api/balance");
      assert.equal(status, 200);
      assert.equal((body.balances as Array<{ available: string }>)[0]?.available, "5");
      assert.equal((await call("GET", "/api/balance", undefined, null)).status, 401);
      const newcomer = await call("GET", "/api/balance", undefined, "just-signed-up");
      assert.deepEqual(newcomer.body.balances, []);
    });

    test("POST /api/v1/tokens/check-balance checks and deducts; the body cannot name another account", async () => {
      const check = await call("POST", "/api/v1/tokens/check-balance", {
        featureUsed: "generate_goal",
        action: "check",
        organizationId: "someone-else",
      });
      assert.deepEqual(check, { status: 200, body: { hasTokens: true } });
      const first = await call("POST", "/api/v1/tokens/check-balance", {
        featureUsed: "generate_goal",
        action: "deduct",
      });
      assert.equal(first.status, 200);
      assert.equal(first.body.remainingBalance, "2");
      const second = await call("POST", "/api/v1/tokens/check-balance", {
        featureUsed: "generate_goal",
        action: "deduct",
      });
      assert.equal(second.status, 402);
      assert.equal(second.body.success, false);
      const invalid = await call("POST", "/api/v1/tokens/check-balance", { action: "spend" });
      assert.equal(invalid.status, 400);
    });

    test("GET /api/v1/tokens/stats and GET /api/usage/chat/:chatId", async () => {
      const stats = await call("GET", "/api/v1/tokens/stats");
      assert.equal(stats.status, 200);
      assert.equal(stats.body.totalUsed, "3");
      await tollgate.charges
        .create({ account: "organization:acme", feature: "generate_goal", conversationId: "chat-9" })
        .catch(
          () => undefined, // 2 credits left: refused, and nothing recorded
        );
      await tollgate.grants.create("organization:acme", { amount: "10", source: "promo" });
      await tollgate.charges.create({
        account: "organization:acme",
        feature: "generate_goal",
        conversationId: "chat-9",
      });
      const chat = await call("GET", "/api/usage/chat/chat-9");
      assert.equal(chat.status, 200);
      const unknown = await call("GET", "/api/usage/chat/never");
      assert.equal(unknown.status, 404);
      assert.equal((await call("DELETE", "/api/balance")).status, 405);
      assert.equal((await call("GET", "/api/nothing")).status, 404);
    });
  });
}
