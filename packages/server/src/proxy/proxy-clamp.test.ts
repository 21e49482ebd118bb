// max_tokens clamped to what the balance pays for: a call the balance cannot pay for in full is
// sent with a lower limit (the one the meter computes, exactly) instead of refused; with the clamp
// off, or nothing to pay even one token with, it is 402.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError } from "openai";
import { FAKE_PIECES } from "./fake-openrouter.ts";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";
import { until } from "./until.ts";

const MESSAGES = [{ role: "user" as const, content: "Say hello." }];
// Held at 61 credits for 5,000 output tokens: more than the 30 the accounts below have.
const REQUEST = { model: "openai/gpt-4o-mini", messages: MESSAGES, max_tokens: 5_000 };
const CHARGE = 24n;

for (const database of await testDatabases()) {
  describe(`max_tokens clamped to the balance on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    let unclamped: ProxyTestApp;
    before(async () => {
      proxy = await openProxyTestApp(database);
      unclamped = await openProxyTestApp(database, { clampMaxTokens: false });
    });
    after(async () => {
      await proxy.close();
      await unclamped.close();
    });

    const clientFor = (app: ProxyTestApp, apiKey: string) =>
      new OpenAI({ baseURL: app.baseURL, apiKey, maxRetries: 0 });
    /** What 30 credits pay for, as the meter computes it for this prompt. */
    const affordable = (maxTokens?: number) =>
      proxy.meter.affordableMaxTokens({
        provider: "openai",
        model: "gpt-4o-mini",
        messages: MESSAGES,
        ...(maxTokens === undefined ? {} : { maxTokens }),
        availableMinor: 30n,
      });

    test("max_tokens is lowered to what the balance pays for, and said in a header", async () => {
      const ann = await proxy.customer("ann", 30n);
      const expected = (await affordable(5_000)) as number;
      assert.ok(expected > 1 && expected < 5_000, `30 credits pay for ${expected} tokens`);
      const { data, response } = await clientFor(proxy, ann.token).chat.completions.create(REQUEST).withResponse();
      assert.equal(data.choices[0]?.message.content, FAKE_PIECES.join(""));
      assert.equal(response.headers.get("x-tollgate-max-tokens-clamped"), String(expected));
      assert.equal(proxy.upstream.requests.at(-1)?.body.max_tokens, expected);
      assert.deepEqual(await proxy.credits(ann.accountId), { balanceMinor: 30n - CHARGE, heldMinor: 0n });
    });

    test("max_completion_tokens is the field lowered when the request sent it", async () => {
      const ben = await proxy.customer("ben", 30n);
      const { max_tokens: _unused, ...rest } = REQUEST;
      await clientFor(proxy, ben.token).chat.completions.create({ ...rest, max_completion_tokens: 5_000 });
      const body = proxy.upstream.requests.at(-1)?.body;
      assert.equal(body?.max_completion_tokens, await affordable(5_000));
      assert.equal(body?.max_tokens, undefined);
    });

    test("no limit in the request: the model's default output is lowered, on a stream too", async () => {
      const cal = await proxy.customer("cal", 30n);
      const { max_tokens: _unused, ...rest } = REQUEST;
      const { data: stream, response } = await clientFor(proxy, cal.token)
        .chat.completions.create({ ...rest, stream: true })
        .withResponse();
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      assert.equal(text, FAKE_PIECES.join(""));
      const expected = String(await affordable());
      assert.equal(response.headers.get("x-tollgate-max-tokens-clamped"), expected);
      assert.equal(String(proxy.upstream.requests.at(-1)?.body.max_tokens), expected);
      await until("the charge", async () => (await proxy.credits(cal.accountId)).balanceMinor === 30n - CHARGE);
    });

    test("a call the balance pays for in full is not clamped", async () => {
      const dee = await proxy.customer("dee", 1_000n);
      const { response } = await clientFor(proxy, dee.token).chat.completions.create(REQUEST).withResponse();
      assert.equal(response.headers.get("x-tollgate-max-tokens-clamped"), null);
      assert.equal(proxy.upstream.requests.at(-1)?.body.max_tokens, 5_000);
    });

    test("with the clamp off, the same call is 402 insufficient_credits", async () => {
      const eve = await unclamped.customer("eve", 30n);
      const error = await clientFor(unclamped, eve.token)
        .chat.completions.create(REQUEST)
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      assert.ok(error instanceof APIError, String(error));
      assert.equal(error.status, 402);
      assert.match(error.message, /required 61 credits, available 30 credits/);
      assert.deepEqual(await unclamped.credits(eve.accountId), { balanceMinor: 30n, heldMinor: 0n });
    });

    test("reconcile is clean", async () => {
      for (const app of [proxy, unclamped]) {
        const report = await app.ledger.reconcile();
        assert.equal(report.ok, true, JSON.stringify(report.summary));
      }
    });
  });
}
