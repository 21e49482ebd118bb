// The OpenAI-compatible proxy against a fake OpenRouter, driven by the official `openai` client
// with only its baseURL and apiKey changed, on both databases: every call is held, settled from
// the provider's usage.cost (x markup x conversion, exactly), and never left pending.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError } from "openai";
import { FAKE_PIECES } from "./fake-openrouter.ts";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";

const REQUEST = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Say hello." }],
  // Held at the catalog's price for this bound (60 credits), settled at OpenRouter's cost.
  max_tokens: 5_000,
};
// usage.cost 0.0012 USD x markup 2 x 10,000 credits a dollar.
const CHARGE = 24n;

/** Waits for a condition, polling; the bound is generous, for a loaded machine, and not a timing claim. */
async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let attempt = 0; attempt < 2_000; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

for (const database of await testDatabases()) {
  describe(`the OpenAI proxy on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    before(async () => {
      proxy = await openProxyTestApp(database);
    });
    after(() => proxy.close());

    const clientFor = (apiKey: string) => new OpenAI({ baseURL: proxy.baseURL, apiKey });
    const holdStatus = async (holdId: string | null) => (holdId ? (await proxy.ledger.findHold(holdId))?.status : null);

    test("a completion is charged usage.cost x markup x conversion, exactly, with the charge in headers", async () => {
      const alice = await proxy.customer("alice", 1_000n);
      const { data, response } = await clientFor(alice.token).chat.completions.create(REQUEST).withResponse();
      assert.equal(data.choices[0]?.message.content, FAKE_PIECES.join(""));
      assert.equal(response.headers.get("x-tollgate-charged"), "24");
      assert.equal(response.headers.get("x-tollgate-available"), "976");
      assert.equal(response.headers.get("x-tollgate-unit"), "credits");
      assert.deepEqual(await proxy.credits(alice.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
      const forwarded = proxy.upstream.requests.at(-1);
      assert.equal(forwarded?.authorization, "Bearer sk-or-test", "the upstream key is the configuration's");
      assert.equal(await holdStatus(response.headers.get("x-tollgate-hold-id")), "settled");
    });

    test("a stream is charged the same, and the usage chunk the proxy asked for is not passed on", async () => {
      const bob = await proxy.customer("bob", 1_000n);
      const { data: stream, response } = await clientFor(bob.token)
        .chat.completions.create({ ...REQUEST, stream: true })
        .withResponse();
      let text = "";
      let usageChunks = 0;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        if (chunk.usage) usageChunks += 1;
      }
      assert.equal(text, FAKE_PIECES.join(""));
      assert.equal(usageChunks, 0);
      const options = proxy.upstream.requests.at(-1)?.body.stream_options as { include_usage?: boolean } | undefined;
      assert.equal(options?.include_usage, true, "the proxy asked the upstream for usage");
      await until(
        "the stream's hold settled",
        async () => (await holdStatus(response.headers.get("x-tollgate-hold-id"))) === "settled",
      );
      assert.deepEqual(await proxy.credits(bob.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
    });

    test("a client that asked for usage gets its usage chunk, with OpenRouter's cost", async () => {
      const carol = await proxy.customer("carol", 1_000n);
      const stream = await clientFor(carol.token).chat.completions.create({
        ...REQUEST,
        stream: true,
        stream_options: { include_usage: true },
      });
      const usages = [];
      for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
      assert.equal(usages.length, 1);
      assert.equal((usages[0] as unknown as { cost: number }).cost, 0.0012);
      await until("the charge", async () => (await proxy.credits(carol.accountId)).balanceMinor === 1_000n - CHARGE);
    });

    test("a secret key names the account with X-Tollgate-Account", async () => {
      const dave = await proxy.customer("dave", 1_000n);
      const client = new OpenAI({
        baseURL: proxy.baseURL,
        apiKey: proxy.secret,
        defaultHeaders: { "X-Tollgate-Account": "user:dave" },
      });
      await client.chat.completions.create(REQUEST);
      assert.equal((await proxy.credits(dave.accountId)).balanceMinor, 1_000n - CHARGE);
    });

    // The upstream request is sent beside the hold and aborted when it is refused: see
    // proxy-concurrent-hold.test.ts.
    test("a broke account gets APIError 402 insufficient_credits, and nothing is held or charged", async () => {
      const erin = await proxy.brokeCustomer("erin");
      const error = await clientFor(erin.token)
        .chat.completions.create({ ...REQUEST, max_tokens: 10_000 })
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      assert.ok(error instanceof APIError, `an APIError: ${String(error)}`);
      assert.equal(error.status, 402);
      assert.equal(error.code, "insufficient_credits");
      assert.match(error.message, /required \d+ credits, available 0 credits/);
      assert.deepEqual(await proxy.credits(erin.accountId), { balanceMinor: 0n, heldMinor: 0n });
    });

    test("an unknown key is 401 in OpenAI's format", async () => {
      const error = await clientFor("tg_ct_nope")
        .chat.completions.create(REQUEST)
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      assert.ok(error instanceof APIError);
      assert.equal(error.status, 401);
      assert.equal(error.code, "unauthenticated");
    });

    test("a client that aborts mid-stream is charged what the upstream produced, and no hold is left", async () => {
      const frank = await proxy.customer("frank", 1_000n);
      let open: () => void = () => {};
      proxy.upstream.gate = new Promise<void>((resolve) => (open = resolve));
      const completed = proxy.upstream.completedStreams;
      try {
        const abort = new AbortController();
        const { data: stream, response } = await clientFor(frank.token)
          .chat.completions.create({ ...REQUEST, stream: true }, { signal: abort.signal })
          .withResponse();
        const closedBefore = proxy.closedResponses();
        const first = await stream[Symbol.asyncIterator]().next();
        assert.equal(first.value?.choices[0]?.delta.content, FAKE_PIECES[0]);
        abort.abort();
        // The proxy has seen its client go before the upstream goes on.
        await until("the proxy's answer closed", () => proxy.closedResponses() > closedBefore);
        open();
        await until("the upstream's stream written out", () => proxy.upstream.completedStreams > completed);
        const holdId = response.headers.get("x-tollgate-hold-id");
        await until("the hold settled", async () => (await holdStatus(holdId)) === "settled");
        assert.deepEqual(await proxy.credits(frank.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
      } finally {
        proxy.upstream.gate = null;
      }
    });

    test("a stream the upstream cuts is settled from the streamed tokens", async () => {
      const gina = await proxy.customer("gina", 1_000n);
      proxy.upstream.mode = "cut";
      try {
        const { data: stream, response } = await clientFor(gina.token)
          .chat.completions.create({ ...REQUEST, stream: true })
          .withResponse();
        let text = "";
        await assert.rejects(async () => {
          for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
          throw new Error("the stream ended without [DONE]");
        });
        assert.equal(text, FAKE_PIECES.slice(0, 2).join(""));
        const holdId = response.headers.get("x-tollgate-hold-id");
        await until("the hold settled", async () => (await holdStatus(holdId)) === "settled");
        const { balanceMinor, heldMinor } = await proxy.credits(gina.accountId);
        assert.equal(heldMinor, 0n);
        assert.ok(balanceMinor < 1_000n, "what was produced is charged");
      } finally {
        proxy.upstream.mode = "answer";
      }
    });

    test("an upstream 500 releases the hold and answers 502 in OpenAI's format", async () => {
      const hank = await proxy.customer("hank", 1_000n);
      proxy.upstream.mode = "error";
      try {
        // No retries: each would be held and released the same way; one shows it.
        const client = new OpenAI({ baseURL: proxy.baseURL, apiKey: hank.token, maxRetries: 0 });
        const error = await client.chat.completions.create(REQUEST).then(
          () => null,
          (caught: unknown) => caught,
        );
        assert.ok(error instanceof APIError);
        assert.equal(error.status, 502);
        assert.equal(error.code, "upstream_error");
        assert.deepEqual(await proxy.credits(hank.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
      } finally {
        proxy.upstream.mode = "answer";
      }
    });

    test("who may call: a customer token for its account, a secret key for the account it names", async () => {
      const ivy = await proxy.customer("ivy", 1_000n);
      const revoked = await proxy.keys.create({ kind: "customer", name: "old", accountId: ivy.accountId });
      await proxy.keys.revoke(revoked.key.keyId);
      const post = (authorization: string | null, account?: string) =>
        fetch(`${proxy.baseURL}/chat/completions`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(authorization ? { authorization: `Bearer ${authorization}` } : {}),
            ...(account ? { "x-tollgate-account": account } : {}),
          },
          body: JSON.stringify(REQUEST),
        });
      const rows: Array<[string, Response, number, string | null]> = [
        ["customer token", await post(ivy.token), 200, null],
        ["customer token naming an account", await post(ivy.token, "user:alice"), 400, "invalid_request"],
        ["secret key and account", await post(proxy.secret, "user:ivy"), 200, null],
        ["secret key without account", await post(proxy.secret), 400, "invalid_request"],
        ["secret key, malformed account", await post(proxy.secret, "nobody"), 400, "invalid_request"],
        ["revoked token", await post(revoked.token), 401, "unauthenticated"],
        ["no key", await post(null), 401, "unauthenticated"],
      ];
      for (const [who, response, status, code] of rows) {
        const body = (await response.json()) as { error?: { code: string; type: string; message: string } };
        assert.equal(response.status, status, `${who}: ${JSON.stringify(body)}`);
        if (code) assert.equal(body.error?.code, code, who);
      }
      assert.equal((await proxy.credits(ivy.accountId)).balanceMinor, 1_000n - 2n * CHARGE, "two calls charged");
    });

    test("a body without model or messages is 400 with the field, and nothing is held", async () => {
      const jack = await proxy.customer("jack", 1_000n);
      const response = await fetch(`${proxy.baseURL}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${jack.token}` },
        body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [] }),
      });
      assert.equal(response.status, 400);
      const body = (await response.json()) as { error: { code: string; param: string } };
      assert.deepEqual([body.error.code, body.error.param], ["invalid_request", "messages"]);
      assert.deepEqual(await proxy.credits(jack.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
    });

    test("a body over the limit is 413 before anything is read, held or sent upstream", async () => {
      const kim = await proxy.customer("kim", 1_000n);
      const calls = proxy.upstream.requests.length;
      const response = await fetch(`${proxy.baseURL}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${kim.token}` },
        body: JSON.stringify({
          model: "openai/gpt-4o-mini",
          messages: [{ role: "user", content: "a".repeat(5 * 1_048_576) }],
        }),
      });
      assert.equal(response.status, 413);
      assert.equal(proxy.upstream.requests.length, calls, "nothing sent upstream");
      assert.deepEqual(await proxy.credits(kim.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
    });

    test("reconcile is clean after it all", async () => {
      const report = await proxy.ledger.reconcile();
      assert.equal(report.ok, true, JSON.stringify(report.summary));
    });
  });
}
