// Streams cut at random points, by the upstream (its connection dropped after a random number of
// bytes, mid-event or not) and by the client (aborted after a random number of pieces): every call
// is charged for what was produced, one by one, no hold is left pending, and the ledger reconciles.
// - Cut by the client: the upstream produced the whole answer, and the proxy reads it on to its
//   usage, so the call is charged OpenRouter's usage.cost.
// - Cut by the upstream: the usage is charged if its event arrived whole; else the prompt's
//   estimate and the tokens of the pieces that arrived whole (an event is whole once its blank
//   line arrived, as SSE defines it), at the catalog's prices.
// How many: 500 on each database by default, 1,000 (the number) with
// TOLLGATE_PROXY_CUT_SCALE=full, n x 1,000 with TOLLGATE_PROXY_CUT_SCALE=n (a soak). Measured on
// a 2-core machine shared with other work: 1,000 on both took 18 s at a load average of 6 and
// 55 s at 12, too close to the minute a file may take in CI; 500 on both keeps it near half that.
// TOLLGATE_PROXY_CUT_SEED=s replays a run (the seed is in the suite's name).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Usage } from "@tollgate/core";
import { definePricingConfig, quoteModelCall } from "@tollgate/metering";
import { reconcile } from "@tollgate/store";
import { testDatabases } from "@tollgate/store/testing";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import OpenAI from "openai";
import { seededRandom } from "../../../core/src/testing/seeded-random.ts";
import { type FakeAnswerPlan, fakeStreamEvents } from "./fake-chat-plan.ts";
import { FAKE_PIECES, FAKE_USAGE } from "./fake-openrouter.ts";
import { activeHoldCount, callRecordsOf } from "./proxied-call-records.ts";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";
import { until } from "./until.ts";

/** The calls per database: 500, or 1,000 (`full`), or n x 1,000. */
function callsFrom(scale: string | undefined): number {
  if (scale === undefined || scale === "") return 500;
  if (scale === "full") return 1_000;
  const times = Number(scale);
  assert.ok(Number.isSafeInteger(times) && times >= 1, `TOLLGATE_PROXY_CUT_SCALE must be "full" or n >= 1: ${scale}`);
  return 1_000 * times;
}
const CALLS = callsFrom(process.env.TOLLGATE_PROXY_CUT_SCALE);
const SEED = Number.parseInt(process.env.TOLLGATE_PROXY_CUT_SEED ?? "", 10) || Math.floor(Math.random() * 2 ** 31);
// Calls in flight at once: enough to interleave settlements in the ledger's batches.
const CONCURRENCY = 16;
const FUNDED = 1_000_000n;

// 10,000,000 credits a dollar, so every token shows in the charge: a cut one piece earlier costs less.
const PRICING = definePricingConfig({
  creditsPerUsd: "10000000",
  markup: { default: "2" },
  costSource: "provider_reported",
});
const REQUEST = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Say hello." }],
  max_tokens: 1_000,
};
// What the fake streams to the proxy, which always asks for the usage.
const STREAMED = fakeStreamEvents(
  { model: REQUEST.model, stream: true, stream_options: { include_usage: true } },
  { pieces: FAKE_PIECES, usage: FAKE_USAGE },
);

/**
 * A random cut: in a random event, at a random byte of it or just after it, so every event
 * (the usage's and `[DONE]` among them, small as they are) is as likely to be where it falls.
 */
function randomCutBytes(random: () => number): number {
  const event = Math.floor(random() * STREAMED.length);
  const before = STREAMED.slice(0, event).join("").length;
  return before + Math.floor(random() * ((STREAMED[event] as string).length + 1));
}

type Cut = { by: "upstream"; afterBytes: number } | { by: "client"; afterPieces: number };

/** What the proxy received whole of a stream cut after `bytes`: its pieces' text, and the usage if it got that far. */
function receivedWhole(bytes: number): { text: string; usage: Record<string, unknown> | null } {
  const whole = STREAMED.join("").slice(0, bytes).split("\n\n").slice(0, -1);
  let text = "";
  let usage: Record<string, unknown> | null = null;
  for (const event of whole) {
    const data = event.slice("data: ".length);
    if (data === "[DONE]") continue;
    const chunk = JSON.parse(data) as { choices: Array<{ delta: { content?: string } }>; usage?: typeof usage };
    text += chunk.choices[0]?.delta.content ?? "";
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, usage };
}

for (const database of await testDatabases()) {
  describe(`${CALLS} streams cut at random points on ${database.name} (seed ${SEED})`, () => {
    let proxy: ProxyTestApp;
    before(async () => {
      proxy = await openProxyTestApp(database, { pricing: PRICING });
    });
    after(() => proxy.close());

    test("each is charged for what was produced, no hold is left, and reconcile is clean", async () => {
      const random = seededRandom(SEED);
      const cuts: Cut[] = Array.from({ length: CALLS }, () =>
        random() < 0.5
          ? { by: "upstream", afterBytes: randomCutBytes(random) }
          : { by: "client", afterPieces: Math.floor(random() * (FAKE_PIECES.length + 1)) },
      );
      // One account per call: its one hold and usage event are that call's, and no per-account
      // limit of the proxy's is what the test measures.
      const accounts = await Promise.all(
        cuts.map(async (_, index) => {
          const granted = await proxy.ledger.grant({
            account: { type: "user", externalId: `cut-${index}` },
            amountMinor: FUNDED,
            source: "promo",
            idempotencyKey: `g-cut-${index}`,
          });
          assert.ok(granted.ok);
          return granted.value.accountId;
        }),
      );
      const plans = new Map<string, FakeAnswerPlan>();
      proxy.upstream.planFor = (body) => plans.get(String(body.user));
      const client = new OpenAI({ baseURL: proxy.baseURL, apiKey: proxy.secret, maxRetries: 0 });

      const run = async (index: number) => {
        const cut = cuts[index] as Cut;
        // The call's name travels in the body's `user`, which the proxy forwards: the fake reads its plan by it.
        const user = `call-${index}`;
        const headers = { "X-Tollgate-Account": `user:cut-${index}` };
        if (cut.by === "upstream") {
          plans.set(user, { cutAfterBytes: cut.afterBytes });
          try {
            const stream = await client.chat.completions.create({ ...REQUEST, stream: true, user }, { headers });
            for await (const _chunk of stream) {
            }
          } catch {
            // The cut reaches the client as an error or an early end: either is what a cut is.
          }
          return;
        }
        let resume: () => void = () => {};
        plans.set(user, { pauseAfterPieces: cut.afterPieces, resume: new Promise((resolve) => (resume = resolve)) });
        const abort = new AbortController();
        try {
          const stream = await client.chat.completions.create(
            { ...REQUEST, stream: true, user },
            { headers, signal: abort.signal },
          );
          const chunks = stream[Symbol.asyncIterator]();
          for (let pieces = 0; pieces < cut.afterPieces; ) {
            const next = await chunks.next();
            assert.ok(!next.done, "the stream goes on until the client cuts it");
            if (next.value.choices[0]?.delta.content) pieces += 1;
          }
          // The client goes while the upstream waits mid-answer; the upstream goes on only after
          // that (noticed by the proxy yet or not, the whole answer is produced and charged).
          abort.abort();
        } catch (error) {
          if (!abort.signal.aborted) throw error;
        } finally {
          resume();
        }
      };
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < CALLS) await run(next++);
        }),
      );
      await until(
        () => "every cut stream's hold settled",
        async () => (await activeHoldCount(proxy.ledger.sql)) === 0,
      );

      const price = await proxy.meter.prices.priceOf({
        provider: "openai",
        model: "gpt-4o-mini",
        at: proxy.ledger.now(),
      });
      const estimate = await proxy.meter.estimateCall({
        provider: "openai",
        model: "gpt-4o-mini",
        messages: REQUEST.messages,
        maxTokens: REQUEST.max_tokens,
      });
      assert.ok(price && estimate);
      const chargeOf = (usage: Usage, reportedCostUsd: string | null) =>
        quoteModelCall({
          config: proxy.meter.config,
          unit: proxy.meter.unit,
          provider: "openai",
          model: "gpt-4o-mini",
          usage,
          price,
          providerReportedCostUsd: reportedCostUsd,
        })?.chargeMinor;
      const fullUsage = { inputTokens: FAKE_USAGE.prompt_tokens, outputTokens: FAKE_USAGE.completion_tokens };
      // usage.cost 0.0012 USD x markup 2 x 10,000,000 credits a dollar.
      assert.equal(chargeOf(fullUsage, String(FAKE_USAGE.cost)), 24_000n);

      const records = await callRecordsOf(proxy.ledger.sql, accounts);
      const wrong: unknown[] = [];
      const counts = { upstreamCharged: 0, upstreamCounted: 0, client: 0 };
      for (const [index, cut] of cuts.entries()) {
        const received = cut.by === "upstream" ? receivedWhole(cut.afterBytes) : null;
        const reached = received === null || received.usage !== null;
        const usage: Usage = reached
          ? fullUsage
          : { inputTokens: estimate.usage.inputTokens ?? 0, outputTokens: countTokens(received?.text ?? "") };
        if (cut.by === "client") counts.client += 1;
        else if (reached) counts.upstreamCharged += 1;
        else counts.upstreamCounted += 1;
        const charge = chargeOf(usage, reached ? String(FAKE_USAGE.cost) : null) as bigint;
        const expected = {
          holds: [{ status: "settled", capturedMinor: charge }],
          usage: [{ ...usage, costSource: reached ? "provider_reported" : "catalog", chargedMinor: charge }],
          balanceMinor: FUNDED - charge,
          heldMinor: 0n,
        };
        const record = records.get(accounts[index] as string);
        const actual = {
          holds: record?.holds.map(({ status, capturedMinor }) => ({ status, capturedMinor })),
          usage: record?.usage,
          balanceMinor: record?.balanceMinor,
          heldMinor: record?.heldMinor,
        };
        try {
          assert.deepEqual(actual, expected);
        } catch {
          wrong.push({ index, cut, expected, actual });
        }
      }
      assert.deepEqual(wrong.slice(0, 3), [], `${wrong.length} of ${CALLS} calls charged wrong (seed ${SEED})`);
      // Each kind of cut was exercised, whatever the seed: an upstream cut past the usage is one call in
      // sixteen, some thirty of 500.
      assert.ok(counts.client > 0 && counts.upstreamCharged > 0 && counts.upstreamCounted > 0, JSON.stringify(counts));
      const report = await reconcile(proxy.ledger.sql);
      assert.equal(report.ok, true, JSON.stringify(report.checks.filter((check) => check.mismatches.length > 0)));
      assert.equal(report.summary.activeHolds, 0);
    });
  });
}
