// The Anthropic Messages proxy against a fake Anthropic, driven by the official
// `@anthropic-ai/sdk` client with only its baseURL and key changed, on both databases: every
// call is held, settled from Anthropic's own usage (cache writes and reads at their own rates),
// charged the same streamed or not, and never left pending.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic, {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  PaymentRequiredError,
} from "@anthropic-ai/sdk";
import { testDatabases } from "@tollgate/store/testing";
import { FAKE_CLAUDE_PIECES, FAKE_CLAUDE_REFUSAL } from "./fake-anthropic.ts";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";

const REQUEST = {
  model: "claude-sonnet-4-5",
  system: "Be brief.",
  messages: [{ role: "user" as const, content: "Say hello." }],
  // Held at the catalog's price for this bound, settled from the usage Anthropic reports.
  max_tokens: 1_000,
};
// claude-sonnet-4-5 per million: input 3, cache write 3.75, cache read 0.3, output 15 (USD), so
// 100×3 + 400×3.75 + 1000×0.3 + 200×15 = 5,100 µUSD; × markup 2 × 10,000 credits a dollar.
const CHARGE = 102n;
const ANSWER = FAKE_CLAUDE_PIECES.join("");

/** Waits for a condition, polling; the bound is generous, for a loaded machine, and not a timing claim. */
async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let attempt = 0; attempt < 2_000; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (error: unknown) => error,
  );
}

for (const database of await testDatabases()) {
  describe(`the Anthropic proxy on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    before(async () => {
      proxy = await openProxyTestApp(database);
    });
    after(() => proxy.close());

    const clientFor = (apiKey: string, options: { maxRetries?: number } = {}) =>
      new Anthropic({ baseURL: proxy.anthropicBaseURL, apiKey, ...options });
    const holdStatus = async (holdId: string | null) => (holdId ? (await proxy.ledger.findHold(holdId))?.status : null);
    const textOf = (message: Anthropic.Message) =>
      message.content.map((block) => (block.type === "text" ? block.text : "")).join("");

    test("a message is charged Anthropic's usage at the catalog's prices, exactly, with the charge in headers", async () => {
      const alice = await proxy.customer("alice", 1_000n);
      const { data, response } = await clientFor(alice.token).messages.create(REQUEST).withResponse();
      assert.equal(textOf(data), ANSWER);
      assert.equal(data.usage.cache_read_input_tokens, 1000, "Anthropic's usage reaches the client as sent");
      assert.equal(response.headers.get("x-tollgate-charged"), String(CHARGE));
      assert.equal(response.headers.get("x-tollgate-available"), String(1_000n - CHARGE));
      assert.deepEqual(await proxy.credits(alice.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
      const forwarded = proxy.anthropic.requests.at(-1);
      assert.equal(forwarded?.apiKey, "sk-ant-test", "the upstream key is the configuration's, as x-api-key");
      assert.equal(forwarded?.authorization, undefined, "the client's key is not passed on");
      assert.match(forwarded?.version ?? "", /^\d{4}-\d{2}-\d{2}$/, "the client's anthropic-version is passed on");
      assert.equal(await holdStatus(response.headers.get("x-tollgate-hold-id")), "settled");
    });

    test("a stream is charged the same, from message_start's input and message_delta's output", async () => {
      const bob = await proxy.customer("bob", 1_000n);
      const { data: stream, response } = await clientFor(bob.token)
        .messages.create({ ...REQUEST, stream: true })
        .withResponse();
      const types: string[] = [];
      let text = "";
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
      }
      assert.equal(text, ANSWER);
      assert.equal(types[0], "message_start");
      assert.equal(types.at(-1), "message_stop");
      await until(
        "the stream's hold settled",
        async () => (await holdStatus(response.headers.get("x-tollgate-hold-id"))) === "settled",
      );
      assert.deepEqual(await proxy.credits(bob.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
    });

    test("the SDK's stream helper assembles the message as it would from Anthropic", async () => {
      const carol = await proxy.customer("carol", 1_000n);
      const message = await clientFor(carol.token).messages.stream(REQUEST).finalMessage();
      assert.equal(textOf(message), ANSWER);
      assert.equal(message.usage.output_tokens, 200);
      await until("the charge", async () => (await proxy.credits(carol.accountId)).balanceMinor === 1_000n - CHARGE);
    });

    test("a client that aborts mid-stream is charged what the upstream produced, and no hold is left", async () => {
      const dave = await proxy.customer("dave", 1_000n);
      let open: () => void = () => {};
      proxy.anthropic.gate = new Promise<void>((resolve) => (open = resolve));
      const completed = proxy.anthropic.completedStreams;
      try {
        const abort = new AbortController();
        const { data: stream, response } = await clientFor(dave.token)
          .messages.create({ ...REQUEST, stream: true }, { signal: abort.signal })
          .withResponse();
        const closedBefore = proxy.closedResponses();
        const events = stream[Symbol.asyncIterator]();
        assert.equal((await events.next()).value?.type, "message_start");
        abort.abort();
        // The proxy has seen its client go before the upstream goes on.
        await until("the proxy's answer closed", () => proxy.closedResponses() > closedBefore);
        open();
        await until("the upstream's stream written out", () => proxy.anthropic.completedStreams > completed);
        const holdId = response.headers.get("x-tollgate-hold-id");
        await until("the hold settled", async () => (await holdStatus(holdId)) === "settled");
        assert.deepEqual(await proxy.credits(dave.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
      } finally {
        proxy.anthropic.gate = null;
      }
    });

    test("a stream the upstream cuts ends in an error event, and is charged its input and the streamed output", async () => {
      const erin = await proxy.customer("erin", 1_000n);
      proxy.anthropic.mode = "cut";
      try {
        const { data: stream, response } = await clientFor(erin.token)
          .messages.create({ ...REQUEST, stream: true })
          .withResponse();
        let text = "";
        const error = await caught(
          (async () => {
            for await (const event of stream) {
              if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
            }
          })(),
        );
        assert.ok(error instanceof APIError, `the client sees the cut: ${String(error)}`);
        assert.equal(error.type, "api_error");
        assert.equal(text, FAKE_CLAUDE_PIECES.slice(0, 2).join(""));
        const holdId = response.headers.get("x-tollgate-hold-id");
        await until("the hold settled", async () => (await holdStatus(holdId)) === "settled");
        // message_start's input (100 + 400 cache writes + 1000 cache reads: 2,100 µUSD) and
        // "Hello there" counted: 2 tokens × 15 = 30 µUSD; 2,130 µUSD × 20,000 = 42.6, rounded up.
        assert.deepEqual(await proxy.credits(erin.accountId), { balanceMinor: 1_000n - 43n, heldMinor: 0n });
      } finally {
        proxy.anthropic.mode = "answer";
      }
    });

    test("Anthropic's own error mid-stream reaches the client as sent, once, and what was produced is charged", async () => {
      const erin2 = await proxy.customer("erin2", 1_000n);
      proxy.anthropic.mode = "overloaded";
      try {
        const response = await fetch(`${proxy.anthropicBaseURL}/v1/messages`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": erin2.token },
          body: JSON.stringify({ ...REQUEST, stream: true }),
        });
        const text = await response.text();
        const errors = text.split("\n").filter((line) => line === "event: error");
        assert.equal(errors.length, 1, text);
        assert.match(text, /"type":"overloaded_error"/);
        await until("the charge", async () => (await proxy.credits(erin2.accountId)).balanceMinor === 1_000n - 43n);
        assert.equal((await proxy.credits(erin2.accountId)).heldMinor, 0n);
      } finally {
        proxy.anthropic.mode = "answer";
      }
    });

    test("a retry with the same Idempotency-Key is charged once and gets the first answer, streamed or not", async () => {
      const kate = await proxy.customer("kate", 1_000n);
      const client = clientFor(kate.token);
      const calls = proxy.anthropic.requests.length;
      const once = { headers: { "Idempotency-Key": "kate-1" } };
      const first = await client.messages.create(REQUEST, once).withResponse();
      const again = await client.messages.create(REQUEST, once).withResponse();
      assert.equal(again.response.headers.get("idempotent-replayed"), "true");
      assert.deepEqual(again.data, first.data);
      const twice = { headers: { "Idempotency-Key": "kate-2" } };
      const read = async () => {
        let text = "";
        for await (const event of await client.messages.create({ ...REQUEST, stream: true }, twice)) {
          if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
        }
        return text;
      };
      assert.equal(await read(), ANSWER);
      // The stream's answer is kept once it is settled; until then a retry is a 409 (which the client
      // would retry by itself): wait for it rather than count on the client's retries.
      const probe = () =>
        fetch(`${proxy.anthropicBaseURL}/v1/messages`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": kate.token, "idempotency-key": "kate-2" },
          body: JSON.stringify({ ...REQUEST, stream: true }),
        }).then(async (response) => {
          await response.arrayBuffer();
          return response.status;
        });
      await until("the stream's answer kept", async () => (await probe()) !== 409);
      assert.equal(await read(), ANSWER, "a replayed stream reads as a stream");
      assert.equal(proxy.anthropic.requests.length, calls + 2, "each key went upstream once");
      assert.deepEqual(await proxy.credits(kate.accountId), { balanceMinor: 1_000n - 2n * CHARGE, heldMinor: 0n });
    });

    // The upstream request is sent beside the hold and aborted when it is refused: see
    // proxy-concurrent-hold.test.ts.
    test("a broke account gets a 402 APIError with required and available, and nothing is held or charged", async () => {
      const frank = await proxy.customer("frank", 1n);
      const error = await caught(clientFor(frank.token).messages.create(REQUEST));
      assert.ok(error instanceof PaymentRequiredError, `a PaymentRequiredError: ${String(error)}`);
      assert.ok(error instanceof APIError);
      assert.equal(error.status, 402);
      assert.equal(error.type, "billing_error");
      assert.equal(error.errorCode, "insufficient_credits");
      assert.match(error.message, /required \d+ credits, available 1 credits/);
      assert.deepEqual(await proxy.credits(frank.accountId), { balanceMinor: 1n, heldMinor: 0n });
    });

    test("an unknown key is a 401 AuthenticationError", async () => {
      const error = await caught(clientFor("tg_ct_nope").messages.create(REQUEST));
      assert.ok(error instanceof AuthenticationError, String(error));
      assert.equal(error.status, 401);
      assert.equal(error.type, "authentication_error");
      assert.equal(error.errorCode, "unauthenticated");
    });

    test("an upstream 500 releases the hold and answers 502 api_error", async () => {
      const gina = await proxy.customer("gina", 1_000n);
      proxy.anthropic.mode = "error";
      try {
        // No retries: each would be held and released the same way; one shows it.
        const error = await caught(clientFor(gina.token, { maxRetries: 0 }).messages.create(REQUEST));
        assert.ok(error instanceof InternalServerError, String(error));
        assert.equal(error.status, 502);
        assert.equal(error.type, "api_error");
        assert.deepEqual(await proxy.credits(gina.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
      } finally {
        proxy.anthropic.mode = "answer";
      }
    });

    test("Anthropic's own refusal (400) reaches the client as Anthropic wrote it, and the hold is released", async () => {
      const lena = await proxy.customer("lena", 1_000n);
      proxy.anthropic.mode = "refuse";
      try {
        const error = await caught(clientFor(lena.token).messages.create(REQUEST));
        assert.ok(error instanceof BadRequestError, String(error));
        assert.equal(error.type, "invalid_request_error");
        assert.equal(error.apiMessage, FAKE_CLAUDE_REFUSAL.error.message);
        assert.deepEqual(await proxy.credits(lena.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
      } finally {
        proxy.anthropic.mode = "answer";
      }
    });

    test("a balance short of max_tokens gets max_tokens lowered to what it pays for, not a 402", async () => {
      // max_tokens 1,000 is held at 307 credits (109 prompt tokens at 3, 1,000 output at 15 µUSD,
      // × 20,000 per USD); 150 credits pay for the prompt and about 480 output tokens.
      const mona = await proxy.customer("mona", 150n);
      const { data, response } = await clientFor(mona.token).messages.create(REQUEST).withResponse();
      assert.equal(textOf(data), ANSWER);
      const sent = proxy.anthropic.requests.at(-1)?.body.max_tokens as number;
      assert.ok(sent > 0 && sent < 1_000, `max_tokens lowered: ${sent}`);
      assert.equal(response.headers.get("x-tollgate-max-tokens-clamped"), String(sent));
      assert.deepEqual(await proxy.credits(mona.accountId), { balanceMinor: 150n - CHARGE, heldMinor: 0n });
    });

    test("a body without max_tokens is a 400 BadRequestError naming it, and nothing is held", async () => {
      const hank = await proxy.customer("hank", 1_000n);
      const { max_tokens: _dropped, ...withoutMax } = REQUEST;
      const error = await caught(clientFor(hank.token).messages.create(withoutMax as typeof REQUEST));
      assert.ok(error instanceof BadRequestError, String(error));
      assert.equal(error.type, "invalid_request_error");
      assert.match(error.message, /max_tokens/);
      assert.deepEqual(await proxy.credits(hank.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
    });

    test("who may call: a customer token or a secret key naming the account, as x-api-key or Bearer", async () => {
      const ivy = await proxy.customer("ivy", 10_000n);
      const revoked = await proxy.keys.create({ kind: "customer", name: "old", accountId: ivy.accountId });
      await proxy.keys.revoke(revoked.key.keyId);
      const post = (headers: Record<string, string>) =>
        fetch(`${proxy.anthropicBaseURL}/v1/messages`, {
          method: "POST",
          headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
          body: JSON.stringify(REQUEST),
        });
      const rows: Array<[string, Response, number, string | null]> = [
        ["x-api-key customer token", await post({ "x-api-key": ivy.token }), 200, null],
        ["Bearer customer token", await post({ authorization: `Bearer ${ivy.token}` }), 200, null],
        [
          "secret key and account",
          await post({ "x-api-key": proxy.secret, "x-tollgate-account": "user:ivy" }),
          200,
          null,
        ],
        ["secret key without account", await post({ "x-api-key": proxy.secret }), 400, "invalid_request_error"],
        [
          "customer token naming an account",
          await post({ "x-api-key": ivy.token, "x-tollgate-account": "user:alice" }),
          400,
          "invalid_request_error",
        ],
        [
          "two different keys",
          await post({ "x-api-key": ivy.token, authorization: `Bearer ${proxy.secret}` }),
          401,
          "authentication_error",
        ],
        ["revoked token", await post({ "x-api-key": revoked.token }), 401, "authentication_error"],
        ["no key", await post({}), 401, "authentication_error"],
      ];
      for (const [who, response, status, type] of rows) {
        const body = (await response.json()) as { type: string; error?: { type: string; message: string } };
        assert.equal(response.status, status, `${who}: ${JSON.stringify(body)}`);
        if (type) assert.deepEqual([body.type, body.error?.type], ["error", type], who);
      }
      // And the SDK's two ways: `apiKey`, and `authToken` (sent as Bearer); a backend's secret key.
      await clientFor(ivy.token).messages.create(REQUEST);
      await new Anthropic({ baseURL: proxy.anthropicBaseURL, authToken: ivy.token }).messages.create(REQUEST);
      await new Anthropic({
        baseURL: proxy.anthropicBaseURL,
        apiKey: proxy.secret,
        defaultHeaders: { "X-Tollgate-Account": "user:ivy" },
      }).messages.create(REQUEST);
      assert.equal((await proxy.credits(ivy.accountId)).balanceMinor, 10_000n - 6n * CHARGE, "six calls charged");
    });

    test("a body over the limit is 413 request_too_large in Anthropic's format, before anything is held or sent", async () => {
      const jack = await proxy.customer("jack", 1_000n);
      const calls = proxy.anthropic.requests.length;
      const response = await fetch(`${proxy.anthropicBaseURL}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": jack.token },
        body: JSON.stringify({ ...REQUEST, messages: [{ role: "user", content: "a".repeat(5 * 1_048_576) }] }),
      });
      assert.equal(response.status, 413);
      const body = (await response.json()) as { type: string; error: { type: string } };
      assert.deepEqual([body.type, body.error.type], ["error", "request_too_large"]);
      assert.equal(proxy.anthropic.requests.length, calls, "nothing sent upstream");
      assert.deepEqual(await proxy.credits(jack.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
    });

    test("reconcile is clean after it all", async () => {
      const report = await proxy.ledger.reconcile();
      assert.equal(report.ok, true, JSON.stringify(report.summary));
    });
  });
}
