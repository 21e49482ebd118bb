// The operations middleware as createApp wires it on the real /v1 API: metrics by route
// pattern, access logs, per-key rate limits, body limits. Real keys, real ledger, both databases.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { type AppDependencies, createApp } from "./create-app.ts";
import { createJsonLogger } from "./logger.ts";

for (const database of await testDatabases()) {
  describe(`operations on the /v1 API on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let secret: string;
    let otherSecret: string;
    let sequence = 0;
    before(async () => {
      ledger = await openTestLedger(database, {
        config: defineLedgerConfig({
          signupGrants: {
            user: [{ unit: "credits", amountMinor: 100n, expiresInMs: null }],
            organization: [],
            guest: [],
          },
        }),
      });
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      secret = (await keys.create({ kind: "secret", name: "backend" })).token;
      otherSecret = (await keys.create({ kind: "secret", name: "other" })).token;
      await ledger.ensureAccount({ type: "user", externalId: "alice" });
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    const appWith = (extra: Partial<AppDependencies> = {}) => createApp({ ledger, meter, keys, ...extra });
    const post = (
      app: ReturnType<typeof createApp>,
      path: string,
      body: string,
      headers: Record<string, string> = {},
    ) =>
      app.request(path, {
        method: "POST",
        body,
        headers: {
          authorization: `Bearer ${secret}`,
          "content-type": "application/json",
          "idempotency-key": `k-${++sequence}`,
          ...headers,
        },
      });
    const balanceOfAlice = async (app: ReturnType<typeof createApp>) => {
      const response = await app.request("/v1/accounts/user:alice/balances", {
        headers: { authorization: `Bearer ${secret}` },
      });
      return ((await response.json()) as { data: Array<{ balance: string }> }).data[0]?.balance;
    };

    test("/metrics counts /v1 requests by route pattern, without authentication; it can be switched off", async () => {
      const app = appWith();
      assert.equal(await balanceOfAlice(app), "100");
      await app.request("/v1/accounts/user:nobody/balances"); // 401: still counted, by pattern
      const response = await app.request("/metrics");
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.match(
        text,
        /^tollgate_http_requests_total\{method="GET",route="\/v1\/accounts\/:account\/balances",status="200"\} 1$/m,
      );
      assert.match(
        text,
        /^tollgate_http_requests_total\{method="GET",route="\/v1\/accounts\/:account\/balances",status="401"\} 1$/m,
      );
      assert.ok(!text.includes("alice") && !text.includes("nobody"), text);
      assert.equal((await appWith({ operations: { metrics: false } }).request("/metrics")).status, 404);
    });

    test("the access log has a line per request with its request id and key id, never the token", async () => {
      const lines: string[] = [];
      const logger = createJsonLogger({ write: (line: string) => lines.push(line) });
      const app = appWith({ logger });
      const response = await app.request("/v1/accounts/user:alice/balances", {
        headers: { authorization: `Bearer ${secret}`, "x-request-id": "req-log-1" },
      });
      assert.equal(response.status, 200);
      const entry = lines.map((line) => JSON.parse(line)).find((line) => line.requestId === "req-log-1");
      assert.equal(entry?.message, "request");
      assert.equal(entry?.route, "/v1/accounts/:account/balances");
      assert.equal(entry?.status, 200);
      assert.match(entry?.keyId, /^key_/);
      assert.ok(!lines.join("").includes(secret.slice(6)), "the token's secret part is never logged");
      lines.length = 0;
      await appWith({ logger, operations: { accessLog: false } }).request("/healthz");
      assert.deepEqual(lines, []);
    });

    test("past its burst a key gets 429 rate_limited with Retry-After; another key is not affected", async () => {
      let nowMs = 0;
      const app = appWith({
        nowMs: () => nowMs,
        operations: { rateLimits: { secret: { ratePerSecond: 1, burst: 2 }, customer: null } },
      });
      assert.equal(await balanceOfAlice(app), "100");
      assert.equal(await balanceOfAlice(app), "100");
      const refused = await app.request("/v1/accounts/user:alice/balances", {
        headers: { authorization: `Bearer ${secret}` },
      });
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get("retry-after"), "1");
      const body = (await refused.json()) as { error: { code: string; details: { retryAfterSeconds: number } } };
      assert.equal(body.error.code, "rate_limited");
      assert.equal(body.error.details.retryAfterSeconds, 1);
      const other = await app.request("/v1/accounts/user:alice/balances", {
        headers: { authorization: `Bearer ${otherSecret}` },
      });
      assert.equal(other.status, 200);
      nowMs += 1000;
      assert.equal(await balanceOfAlice(app), "100");
    });

    test("a body over the limit is 413 request_too_large and changes nothing; the key stays free", async () => {
      const app = appWith({ operations: { bodyBytesMax: 2048 } });
      const charge = JSON.stringify({ account: "user:alice", amount: "1", metadata: { note: "x".repeat(4096) } });
      const tooLarge = await post(app, "/v1/charges", charge, { "idempotency-key": "big-1" });
      assert.equal(tooLarge.status, 413);
      const error = ((await tooLarge.json()) as { error: { code: string; details: unknown; requestId: unknown } })
        .error;
      assert.equal(error.code, "request_too_large");
      assert.deepEqual(error.details, { bytesMax: 2048 });
      assert.equal(typeof error.requestId, "string");
      assert.equal(await balanceOfAlice(app), "100");
      // The key was never taken: the same key with a body under the limit runs.
      const small = await post(app, "/v1/charges", JSON.stringify({ account: "user:alice", amount: "1" }), {
        "idempotency-key": "big-1",
      });
      assert.equal(small.status, 200);
      assert.equal(await balanceOfAlice(app), "99");
    });

    test("a batch of usage events may be larger than other bodies", async () => {
      const app = appWith({ operations: { bodyBytesMax: 2048, batchBodyBytesMax: 1_048_576 } });
      const events = Array.from({ length: 20 }, (_, index) => ({
        id: `evt-${sequence}-${index}`,
        account: "user:alice",
        provider: "openai",
        model: "gpt-4o-mini",
        usage: { inputTokens: 1 },
        metadata: { note: "x".repeat(200) },
      }));
      const response = await post(app, "/v1/usage-events/batch", JSON.stringify({ events }));
      assert.notEqual(response.status, 413);
      assert.equal(response.status, 200, await response.clone().text());
    });

    test("a body that is not JSON, or an empty JSON body, is a clear 400 invalid_request", async () => {
      const app = appWith();
      const before = await balanceOfAlice(app);
      const text = await post(app, "/v1/charges", "account=user:alice&amount=1", {
        "content-type": "application/x-www-form-urlencoded",
        "content-length": "27",
      });
      assert.equal(text.status, 400);
      const textError = ((await text.json()) as { error: { code: string; message: string } }).error;
      assert.equal(textError.code, "invalid_request");
      assert.match(textError.message, /Content-Type: application\/json/);
      const empty = await post(app, "/v1/charges", "");
      assert.equal(empty.status, 400);
      const emptyError = ((await empty.json()) as { error: { code: string; message: string } }).error;
      assert.equal(emptyError.code, "invalid_request");
      assert.match(emptyError.message, /JSON/);
      assert.equal(await balanceOfAlice(app), before);
    });
  });
}
