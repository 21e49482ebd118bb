// The per-account rate limit (calls a minute) through the official `openai` client, on a clock
// the test moves: past the burst a call is 429 rate_limited with Retry-After, before anything
// is held or sent upstream; the bucket refills with time; each account has its own.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { RateLimitError } from "openai";
import { openProxyTestApp, type ProxyTestApp } from "../proxy-test-app.ts";
import { rejectionOf } from "./limits-test-helpers.ts";

const REQUEST = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Say hello." }],
  max_tokens: 5_000,
};

for (const database of await testDatabases()) {
  describe(`the per-account rate limit on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    let nowMs = 0;
    before(async () => {
      // 30 a minute is one call every 2 s, with bursts of 2.
      proxy = await openProxyTestApp(database, {
        limits: { ratePerAccount: { perMinute: 30, burst: 2 } },
        limitsNowMs: () => nowMs,
      });
    });
    after(() => proxy.close());

    const clientFor = (apiKey: string) => new OpenAI({ baseURL: proxy.baseURL, apiKey, maxRetries: 0 });

    test("past the burst: 429 with Retry-After until a call's worth has refilled; nothing held or sent", async () => {
      const alice = await proxy.customer("alice", 1_000n);
      const client = clientFor(alice.token);
      await client.chat.completions.create(REQUEST);
      await client.chat.completions.create(REQUEST);
      const sent = proxy.upstream.requests.length;
      const credits = await proxy.credits(alice.accountId);
      const error = await rejectionOf(client.chat.completions.create(REQUEST));
      assert.ok(error instanceof RateLimitError, `a RateLimitError: ${String(error)}`);
      assert.equal(error.code, "rate_limited");
      assert.equal(error.headers.get("retry-after"), "2");
      assert.match(error.message, /30 a minute, with bursts of 2/);
      assert.equal(proxy.upstream.requests.length, sent, "the upstream was not called");
      assert.deepEqual(await proxy.credits(alice.accountId), credits, "nothing held");
      assert.equal(proxy.limits.inFlight({ accountId: alice.accountId }), 0, "the refused call holds no slot");

      nowMs += 1_999;
      const early = await rejectionOf(client.chat.completions.create(REQUEST));
      assert.ok(early instanceof RateLimitError);
      assert.equal(early.headers.get("retry-after"), "1", "rounded up to a whole second");
      nowMs += 1;
      await client.chat.completions.create(REQUEST);
    });

    test("each account has its own bucket, whichever of its tokens calls", async () => {
      const bob = await proxy.customer("bob", 1_000n);
      const carol = await proxy.customer("carol", 1_000n);
      const bobClient = clientFor(bob.token);
      await bobClient.chat.completions.create(REQUEST);
      await bobClient.chat.completions.create(REQUEST);
      assert.ok((await rejectionOf(bobClient.chat.completions.create(REQUEST))) instanceof RateLimitError);
      // A second token of bob's account draws from the same bucket.
      const second = await proxy.keys.create({ kind: "customer", name: "bob-2", accountId: bob.accountId });
      assert.ok(
        (await rejectionOf(clientFor(second.token).chat.completions.create(REQUEST))) instanceof RateLimitError,
      );
      // A secret key naming the account by id does too; naming it `user:bob` is counted apart
      // (the limits key on the reference as given, so a backend names an account one way).
      const backend = (account: string) =>
        new OpenAI({
          baseURL: proxy.baseURL,
          apiKey: proxy.secret,
          maxRetries: 0,
          defaultHeaders: { "X-Tollgate-Account": account },
        });
      assert.ok((await rejectionOf(backend(bob.accountId).chat.completions.create(REQUEST))) instanceof RateLimitError);
      await backend("user:bob").chat.completions.create(REQUEST);
      await clientFor(carol.token).chat.completions.create(REQUEST);
    });
  });
}
