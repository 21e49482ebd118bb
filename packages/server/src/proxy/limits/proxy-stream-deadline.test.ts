// The stream duration limit: a stream still running at its deadline is cut, the upstream request
// aborted, and the call charged for what was produced (here the first piece, counted with the
// tokenizer, and the prompt's estimate). The upstream stalls at a gate that never opens; the
// deadline's timer is fired by the test, or is real with a limit of 0 s, and the test waits
// for the cut, never for a time.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI from "openai";
import { FAKE_PIECES } from "../fake-openrouter.ts";
import { openProxyTestApp, type ProxyTestApp } from "../proxy-test-app.ts";
import { until } from "../until.ts";
import type { ScheduleTimer } from "./stream-deadline.ts";

const REQUEST = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Say hello." }],
  max_tokens: 5_000,
  stream: true as const,
};
const NEVER = new Promise<void>(() => {});

for (const database of await testDatabases()) {
  describe(`the stream deadline on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    const timers: Array<{ ms: number; fire: () => void }> = [];
    const schedule: ScheduleTimer = (ms, fire) => {
      timers.push({ ms, fire });
      return () => {};
    };
    before(async () => {
      proxy = await openProxyTestApp(database, { limits: { streamSecondsMax: 30 }, schedule });
    });
    after(() => proxy.close());

    test("a stream past its deadline is cut, the upstream aborted, and what was produced charged", async () => {
      const alice = await proxy.customer("alice", 1_000n);
      proxy.upstream.gate = NEVER;
      const aborted = proxy.upstream.abortedStreams;
      try {
        const { data: stream, response } = await new OpenAI({
          baseURL: proxy.baseURL,
          apiKey: alice.token,
        }).chat.completions
          .create(REQUEST)
          .withResponse();
        const chunks = stream[Symbol.asyncIterator]();
        assert.equal((await chunks.next()).value?.choices[0]?.delta.content, FAKE_PIECES[0]);
        const timer = timers.at(-1);
        assert.equal(timer?.ms, 30_000);
        timer?.fire();
        // The client's stream ends (without [DONE]); what it got is all there was.
        await (async () => {
          while (!(await chunks.next()).done) {}
        })().catch(() => {});
        await until("the upstream's request aborted", () => proxy.upstream.abortedStreams > aborted);
        assert.equal(proxy.limits.streamDeadline.cuts, 1);
        const holdId = response.headers.get("x-tollgate-hold-id") as string;
        await until("the hold settled", async () => (await proxy.ledger.findHold(holdId))?.status === "settled");
        await until("the slot freed", () => proxy.limits.inFlight({ accountId: alice.accountId }) === 0);

        // Charged for the first piece (one token) and the prompt, exactly as such a call is priced.
        const [row] =
          (await proxy.meter.usageReport({ account: { accountId: alice.accountId }, groupBy: "model" })) ?? [];
        assert.equal(row?.outputTokens, 1n);
        assert.ok(row && row.chargedMinor > 0n);
        const same = await proxy.customer("alice-same", 1_000n);
        const priced = await proxy.meter.recordUsage({
          account: { accountId: same.accountId },
          provider: "openai",
          model: "gpt-4o-mini",
          usage: { inputTokens: Number(row.inputTokens), outputTokens: 1 },
          idempotencyKey: "same-usage",
        });
        assert.ok(priced.ok);
        assert.equal(row.chargedMinor, priced.value.amountMinor);
        assert.deepEqual(await proxy.credits(alice.accountId), {
          balanceMinor: 1_000n - row.chargedMinor,
          heldMinor: 0n,
        });
      } finally {
        proxy.upstream.gate = null;
      }
    });

    test("a stream that ends in time is not cut", async () => {
      const bob = await proxy.customer("bob", 1_000n);
      const cuts = proxy.limits.streamDeadline.cuts;
      const stream = await new OpenAI({ baseURL: proxy.baseURL, apiKey: bob.token }).chat.completions.create(REQUEST);
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      assert.equal(text, FAKE_PIECES.join(""));
      timers.at(-1)?.fire(); // too late: the body is closed
      assert.equal(proxy.limits.streamDeadline.cuts, cuts);
      await until("bob charged", async () => (await proxy.credits(bob.accountId)).balanceMinor === 1_000n - 24n);
    });
  });

  describe(`the stream deadline with real timers on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    before(async () => {
      // 0 s: cut as soon as the answer starts (only a test sets less than the variable's 1 s).
      proxy = await openProxyTestApp(database, { limits: { streamSecondsMax: 0 } });
    });
    after(() => proxy.close());

    test("a stalled stream is cut and settled, no hold left", async () => {
      const carol = await proxy.customer("carol", 1_000n);
      proxy.upstream.gate = NEVER;
      try {
        const { data: stream, response } = await new OpenAI({
          baseURL: proxy.baseURL,
          apiKey: carol.token,
        }).chat.completions
          .create(REQUEST)
          .withResponse();
        await (async () => {
          for await (const _ of stream) {
          }
        })().catch(() => {});
        await until("the cut", () => proxy.limits.streamDeadline.cuts === 1);
        const holdId = response.headers.get("x-tollgate-hold-id") as string;
        await until("the hold settled", async () => (await proxy.ledger.findHold(holdId))?.status === "settled");
        assert.equal((await proxy.credits(carol.accountId)).heldMinor, 0n);
        const report = await proxy.ledger.reconcile();
        assert.equal(report.ok, true, JSON.stringify(report.summary));
      } finally {
        proxy.upstream.gate = null;
      }
    });
  });
}
