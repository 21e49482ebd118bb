// What the client sees when the upstream fails: the provider's own refusal (400, 404, 413, 422,
// 429) passed on with its status and body; the deployment's own key or funds refused (401, 402,
// 403), an unreachable upstream: 502 upstream_error; a stalled one: 504 upstream_timeout. Every
// time the hold is released and nothing is charged.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError } from "openai";
import type { FakeMode } from "./fake-openrouter.ts";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";

const REQUEST = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Say hello." }],
  max_tokens: 5_000,
};

async function refusal(call: Promise<unknown>): Promise<APIError> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof APIError, `an APIError: ${String(error)}`);
  return error;
}

for (const database of await testDatabases()) {
  describe(`upstream failures on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    let impatient: ProxyTestApp;
    let nowhere: ProxyTestApp;
    before(async () => {
      proxy = await openProxyTestApp(database);
      // Short timeouts so a stalled upstream is given up on in a test; nothing asserts how long it took.
      impatient = await openProxyTestApp(database, { headersTimeoutMs: 200, idleTimeoutMs: 200 });
      // Port 1 on loopback: nothing listens there, the connection is refused.
      nowhere = await openProxyTestApp(database, { upstreamBaseUrl: "http://127.0.0.1:1/api/v1" });
    });
    after(async () => {
      await proxy.close();
      await impatient.close();
      await nowhere.close();
    });

    const callWith = async (app: ProxyTestApp, who: string, mode: FakeMode, stream = false) => {
      const customer = await app.customer(who, 1_000n);
      app.upstream.mode = mode;
      try {
        const client = new OpenAI({ baseURL: app.baseURL, apiKey: customer.token, maxRetries: 0 });
        const error = await refusal(client.chat.completions.create({ ...REQUEST, stream }));
        assert.deepEqual(
          await app.credits(customer.accountId),
          { balanceMinor: 1_000n, heldMinor: 0n },
          "nothing held",
        );
        return error;
      } finally {
        app.upstream.mode = "answer";
      }
    };

    for (const status of [400, 404, 413, 422, 429]) {
      test(`an upstream ${status} is passed on with the provider's own error`, async () => {
        proxy.upstream.refusalStatus = status;
        const error = await callWith(proxy, `pass-${status}`, "refuse");
        assert.equal(error.status, status);
        assert.equal(error.code, "model_not_found");
        assert.match(error.message, /No such model: nope/);
        if (status === 429) assert.equal(error.headers?.get("retry-after"), "7");
      });
    }

    for (const status of [401, 402, 403]) {
      test(`an upstream ${status} (the deployment's key or funds) is 502 upstream_error`, async () => {
        proxy.upstream.refusalStatus = status;
        const error = await callWith(proxy, `deploy-${status}`, "refuse");
        assert.equal(error.status, 502);
        assert.equal(error.code, "upstream_error");
      });
    }

    test("a streamed call's upstream refusal is passed on too", async () => {
      proxy.upstream.refusalStatus = 400;
      const error = await callWith(proxy, "pass-stream", "refuse", true);
      assert.equal(error.status, 400);
      assert.equal(error.code, "model_not_found");
    });

    test("an unreachable upstream is 502 upstream_error", async () => {
      const error = await callWith(nowhere, "nowhere", "answer");
      assert.equal(error.status, 502);
      assert.equal(error.code, "upstream_error");
    });

    test("an upstream that never starts its answer is 504 upstream_timeout", async () => {
      const error = await callWith(impatient, "stalled", "stall");
      assert.equal(error.status, 504);
      assert.equal(error.code, "upstream_timeout");
    });

    test("an upstream that goes quiet mid-answer is 504 upstream_timeout", async () => {
      const error = await callWith(impatient, "quiet", "stall-body");
      assert.equal(error.status, 504);
      assert.equal(error.code, "upstream_timeout");
    });

    test("reconcile is clean", async () => {
      for (const app of [proxy, impatient, nowhere]) {
        const report = await app.ledger.reconcile();
        assert.equal(report.ok, true, JSON.stringify(report.summary));
      }
    });
  });
}
