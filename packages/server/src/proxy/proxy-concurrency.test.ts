// 200 calls at once, from the official `openai` client (streaming and not, mixed), on an account
// holding ten times the most one call can cost: the proxy's hold is the check, so at most ten
// get through, whatever the interleaving, and the account is never overdrawn. The upstream holds
// every answer until all 200 calls are decided (held or refused), so they really are in flight
// together: no admitted call settles early and frees credits for an eleventh.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { reconcile } from "@tollgate/store";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError } from "openai";
import { FAKE_PIECES } from "./fake-openrouter.ts";
import { activeHoldCount, callRecordsOf } from "./proxied-call-records.ts";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";
import { until } from "./until.ts";

const CALLS = 200;
const REQUEST = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Say hello." }],
  max_tokens: 5_000,
};
// usage.cost 0.0012 USD x markup 2 x 10,000 credits a dollar (the test app's pricing).
const CHARGE = 24n;

for (const database of await testDatabases()) {
  describe(`${CALLS} concurrent proxied calls on ten calls' worth of credits, on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    before(async () => {
      proxy = await openProxyTestApp(database);
    });
    after(() => proxy.close());

    test("ten are admitted and charged exactly, the rest refused 402, no overdraft, no hold left", async () => {
      const worst = await proxy.meter.estimateCall({
        provider: "openai",
        model: "gpt-4o-mini",
        messages: REQUEST.messages,
        maxTokens: REQUEST.max_tokens,
      });
      assert.ok(worst, "the model is priced");
      const funded = 10n * worst.amountMinor;
      const alice = await proxy.customer("alice", funded);
      // No retries: a retried call would be counted twice, and a 402 is not retried anyway.
      const client = new OpenAI({ baseURL: proxy.baseURL, apiKey: alice.token, maxRetries: 0 });

      let open: () => void = () => {};
      proxy.upstream.answerGate = new Promise<void>((resolve) => (open = resolve));
      const statuses = new Map<string, number>();
      const count = (status: string) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const texts: string[] = [];
      const call = async (streaming: boolean) => {
        try {
          if (streaming) {
            const stream = await client.chat.completions.create({ ...REQUEST, stream: true });
            let text = "";
            for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
            texts.push(text);
          } else {
            const completion = await client.chat.completions.create(REQUEST);
            texts.push(completion.choices[0]?.message.content ?? "");
          }
          count("200");
        } catch (error) {
          count(error instanceof APIError ? `${error.status} ${error.code}` : String(error));
        }
      };
      let calls: Promise<void>[] = [];
      try {
        calls = Array.from({ length: CALLS }, (_, index) => call(index % 2 === 0));
        // Every call decided: refused, or held (its hold active until the gate opens).
        const refused = () => statuses.get("402 insufficient_credits") ?? 0;
        let held = 0;
        await until(
          () => `all ${CALLS} calls decided: ${refused()} refused, ${held} held, ${JSON.stringify([...statuses])}`,
          async () => {
            held = await activeHoldCount(proxy.ledger.sql, alice.accountId);
            return refused() + held === CALLS;
          },
        );
        assert.equal(held, 10, "ten holds fit the balance, and none ended before the others were decided");
      } finally {
        open();
        await Promise.all(calls);
        proxy.upstream.answerGate = null;
      }

      assert.deepEqual(Object.fromEntries(statuses), { "200": 10, "402 insufficient_credits": CALLS - 10 });
      assert.deepEqual(
        texts,
        Array.from({ length: 10 }, () => FAKE_PIECES.join("")),
      );
      // A stream is settled off the client's path: wait for it, then check every call.
      await until(
        () => "every hold settled",
        async () => (await activeHoldCount(proxy.ledger.sql, alice.accountId)) === 0,
      );
      const records = (await callRecordsOf(proxy.ledger.sql, [alice.accountId])).get(alice.accountId);
      assert.ok(records);
      assert.deepEqual(
        records.holds.map((hold) => [hold.status, hold.amountMinor, hold.capturedMinor]),
        Array.from({ length: 10 }, () => ["settled", worst.amountMinor, CHARGE]),
        "ten holds of the most a call can cost, each settled at its exact charge",
      );
      assert.deepEqual(
        records.usage.map((event) => [event.costSource, event.chargedMinor]),
        Array.from({ length: 10 }, () => ["provider_reported", CHARGE]),
        "one usage event per admitted call, charged OpenRouter's cost",
      );
      assert.equal(records.balanceMinor, funded - 10n * CHARGE);
      assert.equal(records.heldMinor, 0n);
      assert.ok((records.lowestBalanceMinor ?? 0n) >= 0n, "no entry ever left the balance below zero");
      // Conservation and every other invariant, as `tollgate reconcile` (GET /v1/reconcile) checks them.
      const report = await reconcile(proxy.ledger.sql);
      assert.equal(report.ok, true, JSON.stringify(report.checks.filter((check) => check.mismatches.length > 0)));
    });
  });
}
