// The Anthropic Messages proxy against a fake Anthropic, driven by the official
// `@anthropic-ai/sdk` client with only its baseURL and key changed, on both databases: every
// call is held, settled from Anthropic's own usage (cache writes and reads at their own rates),
// charged the same streamed or not, and never left pending. (Who may call, retries and the body
// limit: anthropic-messages-access.test.ts.)
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic, { APIError, BadRequestError, InternalServerError, PaymentRequiredError } from "@anthropic-ai/sdk";
import { testDatabases } from "@tollgate/store/testing";
import {
  CLAUDE_ANSWER as ANSWER,
  CLAUDE_CHARGE as CHARGE,
  caught,
  CLAUDE_REQUEST as REQUEST,
} from "./anthropic-test-call.ts";
import { FAKE_CLAUDE_PIECES, FAKE_CLAUDE_REFUSAL } from "./fake-anthropic.ts";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";
import { until } from "./until.ts";

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

    test("reconcile is clean after it all", async () => {
      const report = await proxy.ledger.reconcile();
      assert.equal(report.ok, true, JSON.stringify(report.summary));
    });
  });
}
