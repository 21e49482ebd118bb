// Point the official `openai` client at Tollgate and every call is metered: the most it can cost
// is held before it starts, and it is settled from the provider's own usage. Self-contained:
// Tollgate on an in-memory ledger, in front of a local fake OpenRouter it starts itself (an app
// sets TOLLGATE_UPSTREAM_OPENAI_KEY to its OpenRouter key instead, and nothing else changes).
// Run: node --import tsx examples/proxy-chat.ts
import { definePricingConfig } from "@tollgate/metering";
import { loadServerConfig, SILENT_LOGGER, startServer } from "@tollgate/server";
import { FAKE_USAGE, FakeOpenRouter } from "@tollgate/server/testing";
import { ApiKeys } from "@tollgate/store";
import OpenAI, { APIError } from "openai";

// A local OpenRouter: every answer is "Hello there, friend. Anything else?", costing 0.0012 USD.
const openRouter = await FakeOpenRouter.start();

// Tollgate as `tollgate serve` runs it, from the environment: the upstream and its key are the
// deployment's, never the client's. Pricing is the configuration file's `pricing` section:
// OpenRouter's usage.cost, a 2x markup, 10,000 credits a dollar.
const env = {
  TOLLGATE_DATA_DIR: "memory://",
  PORT: "0",
  TOLLGATE_UPSTREAM_OPENAI_KEY: "sk-or-example",
  TOLLGATE_UPSTREAM_OPENAI_BASE_URL: openRouter.baseUrl,
};
Object.assign(process.env, env);
const pricing = definePricingConfig({
  creditsPerUsd: "10000",
  markup: { default: "2" },
  costSource: "provider_reported",
});
const tollgate = await startServer(
  { ...loadServerConfig(env), pricing },
  { logger: SILENT_LOGGER, handleSignals: false },
);
const { ledger } = tollgate;
const keys = await ApiKeys.open(ledger.sql);

/** What the app's backend does once per customer: its account, credits, and a token it calls with. */
async function customer(externalId: string, credits: bigint) {
  const { accountId } = await ledger.ensureAccount({ type: "user", externalId });
  if (credits > 0n) {
    const granted = await ledger.grant({
      account: { accountId },
      amountMinor: credits,
      source: "purchase",
      idempotencyKey: `pack-${externalId}`,
    });
    if (!granted.ok) throw new Error(`grant refused: ${granted.code}`);
  }
  const { token } = await keys.create({ kind: "customer", name: externalId, accountId });
  const client = new OpenAI({ baseURL: `${tollgate.url}/openai/v1`, apiKey: token });
  return { accountId, client };
}

/** The account's balance once its last call is settled (a stream is settled as it ends). */
async function settledBalance(accountId: string): Promise<bigint> {
  for (let attempt = 0; attempt < 3_000; attempt++) {
    const [credits] = (await ledger.getBalances({ accountId }, { fresh: true })) ?? [];
    if (credits && credits.heldMinor === 0n) return credits.balanceMinor;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${accountId} still has credits held`);
}

const request = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Say hello." }],
  max_tokens: 200,
};

// 1. A streamed completion, charged usage.cost x markup x conversion, exactly.
const alice = await customer("alice", 1_000n);
let text = "";
for await (const chunk of await alice.client.chat.completions.create({ ...request, stream: true })) {
  text += chunk.choices[0]?.delta.content ?? "";
}
const afterStream = await settledBalance(alice.accountId);
const charged = 1_000n - afterStream;
// 0.0012 USD x 2 x 10,000 = 24 credits, with nothing to round.
if (charged !== 24n) throw new Error(`expected 24 credits charged, not ${charged}`);
console.log(`streamed: ${JSON.stringify(text)}`);
console.log(
  `charged ${charged} credits = usage.cost ${FAKE_USAGE.cost} USD x markup 2 x 10000 credits/USD; balance ${afterStream}`,
);

// 2. A stream the upstream cuts after two pieces: charged for what was produced, counted with the
//    tokenizer since no usage came (the prompt's estimate and the streamed tokens, at catalog prices).
openRouter.mode = "cut";
let cutText = "";
try {
  for await (const chunk of await alice.client.chat.completions.create({ ...request, stream: true })) {
    cutText += chunk.choices[0]?.delta.content ?? "";
  }
} catch {
  // The client sees the cut as an error or an early end.
}
openRouter.mode = "answer";
const afterCut = await settledBalance(alice.accountId);
console.log(`cut stream: ${JSON.stringify(cutText)}, charged ${afterStream - afterCut} credit(s); balance ${afterCut}`);

// 3. A broke account (no credits left: not even the prompt and one token of output can be paid
//    for, so no max_tokens clamp helps): refused before the upstream is called, as an APIError.
const bob = await customer("bob", 0n);
const refused = await bob.client.chat.completions.create(request).then(
  () => null,
  (error: unknown) => error,
);
if (!(refused instanceof APIError)) throw new Error(`a broke account was not refused: ${String(refused)}`);
console.log(`broke account: APIError ${refused.status} ${refused.code}: ${refused.message}`);

await keys.close();
await tollgate.close();
await openRouter.close();
