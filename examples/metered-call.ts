// Price a model call from its request, hold the most it can cost, settle what it cost, and
// report usage, as a chat app on OpenRouter sells it (1 USD = 10,000 tokens, 2x markup), on a throwaway
// embedded database. Run: node --import tsx examples/metered-call.ts
import { defineLedgerConfig, formatMinor } from "@tollgate/core";
import { definePricingConfig, Meter } from "@tollgate/metering";
import { Ledger } from "@tollgate/store";

const ledger = await Ledger.open({
  dataDir: "memory://",
  config: defineLedgerConfig({
    units: [{ unit: "tokens", scale: 0 }],
    defaultUnit: "tokens",
    signupGrants: { user: [{ unit: "tokens", amountMinor: 10_000n, expiresInMs: null }], organization: [], guest: [] },
  }),
});
const meter = await Meter.open({
  ledger,
  pricing: definePricingConfig({ creditsPerUsd: "10000", markup: { default: "2" } }),
});
const alice = { type: "user", externalId: "alice" } as const;

// Before the call: the most it can cost, from its messages and max_tokens, is held.
const hold = await meter.authorizeCall({
  account: alice,
  idempotencyKey: "req-1",
  provider: "openai",
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "You are a concise assistant." },
    { role: "user", content: "Explain double-entry bookkeeping in one sentence." },
  ],
  maxTokens: 200,
});
if (!hold.ok) throw new Error(`refused: ${hold.code}`);
const { estimate } = hold.value;
console.log(
  `held ${hold.value.amountMinor} tokens for ≤ ${estimate.usage.inputTokens} prompt (${estimate.inputMethod}) + ${estimate.usage.outputTokens} output tokens`,
);

// After it: the provider reported its usage; settle for what it cost, with its usage event.
const settled = await meter.recordUsage({
  account: alice,
  idempotencyKey: "req-1:usage",
  holdId: hold.value.holdId,
  provider: "openai",
  model: "gpt-4o-mini",
  usage: { inputTokens: 25, outputTokens: 42 },
  conversationId: "chat-1",
  latencyMs: 840,
});
if (!settled.ok) throw new Error(settled.code);
console.log(`charged ${settled.value.amountMinor} tokens, balance ${formatMinor(settled.value.balanceMinor, 0)}`);

for (const row of (await meter.usageReport({ account: alice, groupBy: "model" })) ?? []) {
  console.log(
    `${row.key}: ${row.calls} call, ${row.inputTokens} in / ${row.outputTokens} out, provider cost $${row.providerCostUsd}, charged ${row.chargedMinor} ${row.unit} ($${row.chargedUsd}), margin $${row.marginUsd}`,
  );
}
await meter.close();
await ledger.close();
