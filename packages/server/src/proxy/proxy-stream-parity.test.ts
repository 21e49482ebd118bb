// The same prompt, answered the same, costs the same whether the client streams it or not:
// non-streamed, streamed, and streamed with the client asking for the usage chunk are charged the
// same amount, exactly, from the same recorded usage, for each way a provider reports usage:
// OpenRouter's usage.cost, token counts priced by the catalog (cached and reasoning tokens
// included), and no usage at all (the answer's tokens counted).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Usage } from "@tollgate/core";
import { definePricingConfig, quoteModelCall } from "@tollgate/metering";
import { testDatabases } from "@tollgate/store/testing";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import OpenAI from "openai";
import type { FakeUsage } from "./fake-chat-plan.ts";
import { FAKE_PIECES, FAKE_USAGE } from "./fake-openrouter.ts";
import { activeHoldCount, callRecordsOf } from "./proxied-call-records.ts";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";
import { until } from "./until.ts";

// 10,000,000 credits a dollar, so a token more or less shows in the charge.
const PRICING = definePricingConfig({
  creditsPerUsd: "10000000",
  markup: { default: "2" },
  costSource: "provider_reported",
});
const REQUEST = {
  model: "openai/gpt-4o-mini",
  messages: [
    { role: "system" as const, content: "You are terse." },
    { role: "user" as const, content: "Greet me, then ask what else I need." },
  ],
  max_tokens: 2_000,
};
const FUNDED = 1_000_000n;
const TOKEN_COUNTS: FakeUsage = {
  prompt_tokens: 1_200,
  completion_tokens: 350,
  total_tokens: 1_550,
  prompt_tokens_details: { cached_tokens: 1_000 },
  completion_tokens_details: { reasoning_tokens: 100 },
};

const WAYS = ["non-streamed", "streamed", "streamed with include_usage"] as const;

for (const database of await testDatabases()) {
  describe(`streamed and non-streamed calls of the same prompt on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    let client: OpenAI;
    before(async () => {
      proxy = await openProxyTestApp(database, { pricing: PRICING });
      client = new OpenAI({ baseURL: proxy.baseURL, apiKey: proxy.secret, maxRetries: 0 });
      // Each case names its usage in the body's `user`, which the proxy forwards.
      proxy.upstream.planFor = (body) => {
        const usage = CASES.find((row) => row.name === body.user)?.usage;
        return usage === undefined ? undefined : { usage };
      };
    });
    after(() => proxy.close());

    /** Makes the call one way, as a fresh account, and returns the account and the text it got. */
    async function callAs(way: (typeof WAYS)[number], caseName: string) {
      const externalId = `${caseName}-${way}`.replaceAll(" ", "-");
      const granted = await proxy.ledger.grant({
        account: { type: "user", externalId },
        amountMinor: FUNDED,
        source: "promo",
        idempotencyKey: `g-${externalId}`,
      });
      assert.ok(granted.ok);
      const options = { headers: { "X-Tollgate-Account": `user:${externalId}` } };
      const body = { ...REQUEST, user: caseName };
      let text = "";
      let charged: string | null = null;
      if (way === "non-streamed") {
        const { data, response } = await client.chat.completions.create(body, options).withResponse();
        text = data.choices[0]?.message.content ?? "";
        charged = response.headers.get("x-tollgate-charged");
      } else {
        const streamOptions = way === "streamed" ? {} : { stream_options: { include_usage: true } };
        const stream = await client.chat.completions.create({ ...body, ...streamOptions, stream: true }, options);
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      }
      return { accountId: granted.value.accountId, text, charged };
    }

    /** Each way a provider reports usage: what the fake reports, what is charged from it, and that charge by hand. */
    const CASES: Array<{
      name: string;
      usage: FakeUsage | null;
      expected: () => Promise<Usage & { cost?: string }>;
      byHand?: [bigint, string];
    }> = [
      {
        name: "openrouter-cost",
        usage: FAKE_USAGE,
        expected: async () => ({ inputTokens: 14, outputTokens: 9, cost: "0.0012" }),
        byHand: [24_000n, "0.0012 USD x markup 2 x 10,000,000 credits a dollar"],
      },
      {
        name: "token-counts",
        usage: TOKEN_COUNTS,
        expected: async () => ({ inputTokens: 1_200, outputTokens: 350, cacheReadTokens: 1_000, reasoningTokens: 100 }),
        // gpt-4o-mini: $0.15 a million input tokens, $0.075 cached, $0.60 output (reasoning is output).
        byHand: [6_300n, "(200 x 0.15 + 1,000 x 0.075 + 350 x 0.60) / 1e6 USD x 2 x 10,000,000"],
      },
      {
        name: "no-usage",
        usage: null,
        expected: async () => {
          const estimate = await proxy.meter.estimateCall({
            provider: "openai",
            model: "gpt-4o-mini",
            messages: REQUEST.messages,
            maxTokens: REQUEST.max_tokens,
          });
          // The prompt as the hold estimated it, and the answer's text counted with o200k.
          return { inputTokens: estimate?.usage.inputTokens ?? 0, outputTokens: countTokens(FAKE_PIECES.join("")) };
        },
      },
    ];

    for (const row of CASES) {
      test(`${row.name}: the three ways charge the same, exactly`, async () => {
        const calls = [];
        for (const way of WAYS) calls.push({ way, ...(await callAs(way, row.name)) });
        for (const call of calls) assert.equal(call.text, FAKE_PIECES.join(""), call.way);
        await until(
          () => "the streams settled",
          async () => (await activeHoldCount(proxy.ledger.sql)) === 0,
        );

        const { cost, ...usage } = await row.expected();
        const price = await proxy.meter.prices.priceOf({
          provider: "openai",
          model: "gpt-4o-mini",
          at: proxy.ledger.now(),
        });
        const charge = quoteModelCall({
          config: proxy.meter.config,
          unit: proxy.meter.unit,
          provider: "openai",
          model: "gpt-4o-mini",
          usage,
          price,
          providerReportedCostUsd: cost ?? null,
        })?.chargeMinor;
        assert.ok(charge !== undefined && charge > 0n);
        if (row.byHand) assert.equal(charge, row.byHand[0], row.byHand[1]);
        const records = await callRecordsOf(
          proxy.ledger.sql,
          calls.map((call) => call.accountId),
        );
        const seen = calls.map((call) => {
          const record = records.get(call.accountId);
          return {
            way: call.way,
            charged: record?.usage.map((event) => event.chargedMinor),
            tokens: record?.usage.map((event) => [event.inputTokens, event.outputTokens]),
            balanceMinor: record?.balanceMinor,
            heldMinor: record?.heldMinor,
          };
        });
        assert.deepEqual(
          seen,
          calls.map((call) => ({
            way: call.way,
            charged: [charge],
            tokens: [[usage.inputTokens, usage.outputTokens]],
            balanceMinor: FUNDED - charge,
            heldMinor: 0n,
          })),
        );
        assert.equal(calls[0]?.charged, String(charge), "the non-streamed answer's X-Tollgate-Charged");
      });
    }
  });
}
