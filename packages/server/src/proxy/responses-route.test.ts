// POST /openai/v1/responses against a fake OpenRouter, driven by the official `openai` client
// (`client.responses.create`, streamed and not) on both databases: held from instructions,
// input, tools and max_output_tokens; settled from the response's usage (OpenRouter's cost x
// markup x conversion, exactly); a cut stream charged for what was produced, no hold left.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError } from "openai";
import { FAKE_RESPONSE_PIECES } from "./fake-responses.ts";
import { RESPONSES_OUTPUT_TOKENS_MIN } from "./openai-responses-protocol.ts";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";
import { responsesPromptMessages } from "./responses-input.ts";
import { countTokens } from "./streamed-tokens.ts";
import { until } from "./until.ts";

const REQUEST = {
  model: "openai/gpt-4o-mini",
  instructions: "Answer in one sentence.",
  input: [{ role: "user" as const, content: [{ type: "input_text" as const, text: "Where are tolls paid?" }] }],
  // Held at the catalog's price for this bound (60 credits and the prompt), settled at OpenRouter's cost.
  max_output_tokens: 5_000,
};
// usage.cost 0.0015 USD x markup 2 x 10,000 credits a dollar.
const CHARGE = 30n;
const TEXT = FAKE_RESPONSE_PIECES.join("");

async function refusal(promise: Promise<unknown>): Promise<APIError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof APIError, `an APIError: ${String(error)}`);
  return error;
}

for (const database of await testDatabases()) {
  describe(`POST /openai/v1/responses on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    before(async () => {
      proxy = await openProxyTestApp(database);
    });
    after(() => proxy.close());

    const clientFor = (apiKey: string) => new OpenAI({ baseURL: proxy.baseURL, apiKey, maxRetries: 0 });
    const holdStatus = async (holdId: string | null) => (holdId ? (await proxy.ledger.findHold(holdId))?.status : null);

    test("a response is charged usage.cost x markup x conversion, exactly, with the charge in headers", async () => {
      const alice = await proxy.customer("alice", 1_000n);
      const { data, response } = await clientFor(alice.token).responses.create(REQUEST).withResponse();
      assert.equal(data.output_text, TEXT);
      assert.equal(data.usage?.output_tokens_details.reasoning_tokens, 4);
      assert.equal(response.headers.get("x-tollgate-charged"), "30");
      assert.equal(response.headers.get("x-tollgate-available"), "970");
      assert.deepEqual(await proxy.credits(alice.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
      const forwarded = proxy.upstream.requests.at(-1);
      assert.equal(forwarded?.path, "/api/v1/responses");
      assert.equal(forwarded?.authorization, "Bearer sk-or-test", "the upstream key is the configuration's");
      assert.deepEqual(forwarded?.body.input, REQUEST.input, "the request goes upstream as the client sent it");
      assert.equal(await holdStatus(response.headers.get("x-tollgate-hold-id")), "settled");
    });

    test("a stream passes every event through and is charged the same as the answer", async () => {
      const bob = await proxy.customer("bob", 1_000n);
      const { data: stream, response } = await clientFor(bob.token)
        .responses.create({ ...REQUEST, stream: true })
        .withResponse();
      let text = "";
      const types: string[] = [];
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === "response.output_text.delta") text += event.delta;
        if (event.type === "response.completed") assert.equal(event.response.usage?.output_tokens, 12);
      }
      assert.equal(text, TEXT);
      assert.equal(types[0], "response.created");
      assert.equal(types.at(-1), "response.completed");
      await until(
        "the stream's hold settled",
        async () => (await holdStatus(response.headers.get("x-tollgate-hold-id"))) === "settled",
      );
      assert.deepEqual(await proxy.credits(bob.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
    });

    test("a string input and a secret key naming the account", async () => {
      const carol = await proxy.customer("carol", 1_000n);
      const client = new OpenAI({
        baseURL: proxy.baseURL,
        apiKey: proxy.secret,
        defaultHeaders: { "X-Tollgate-Account": "user:carol" },
      });
      const answer = await client.responses.create({
        model: "openai/gpt-4o-mini",
        input: "Hi",
        max_output_tokens: 100,
      });
      assert.equal(answer.output_text, TEXT);
      assert.equal((await proxy.credits(carol.accountId)).balanceMinor, 1_000n - CHARGE);
    });

    // The upstream request is sent beside the hold and aborted when it is refused (proxy-concurrent-hold.test.ts).
    test("a broke account gets APIError 402 insufficient_credits, and nothing is held or charged", async () => {
      const dave = await proxy.brokeCustomer("dave");
      const error = await refusal(clientFor(dave.token).responses.create(REQUEST));
      assert.equal(error.status, 402);
      assert.equal(error.code, "insufficient_credits");
      assert.match(error.message, /required \d+ credits, available 0 credits/);
      assert.deepEqual(await proxy.credits(dave.accountId), { balanceMinor: 0n, heldMinor: 0n });
    });

    test("the hold is the output bound: max_output_tokens, lowered to what the balance pays for", async () => {
      // 55 credits hold the default bound of 4,096 tokens (50) and the tools.
      const erin = await proxy.customer("erin", 55n);
      const { max_output_tokens: _bound, ...unbounded } = REQUEST;
      const tools = [
        { type: "function" as const, name: "pay_toll", parameters: { type: "object" }, strict: false, description: "" },
      ];
      const unclamped = await clientFor(erin.token)
        .responses.create({ ...unbounded, tools })
        .withResponse();
      assert.equal(unclamped.response.headers.get("x-tollgate-max-tokens-clamped"), null, "the default bound fits");
      const forwarded = proxy.upstream.requests.at(-1)?.body;
      assert.deepEqual([forwarded?.tools, forwarded?.max_output_tokens], [tools, undefined]);

      // 25 credits left do not hold 5,000 tokens (60): the limit sent is what they pay for.
      const { data, response } = await clientFor(erin.token).responses.create(REQUEST).withResponse();
      assert.equal(data.output_text, TEXT);
      const affordable = await proxy.meter.affordableMaxTokens({
        provider: "openai",
        model: "gpt-4o-mini",
        messages: responsesPromptMessages(REQUEST),
        maxTokens: REQUEST.max_output_tokens,
        availableMinor: 55n - CHARGE,
      });
      assert.ok(affordable !== null && affordable < 5_000, `25 credits pay for ${affordable} tokens`);
      assert.equal(response.headers.get("x-tollgate-max-tokens-clamped"), String(affordable));
      assert.equal(proxy.upstream.requests.at(-1)?.body.max_output_tokens, affordable);
      // OpenRouter's cost (30) is more than the 25 left: the settlement takes what is available.
      assert.deepEqual(await proxy.credits(erin.accountId), { balanceMinor: 0n, heldMinor: 0n });
    });

    test("a balance that pays for fewer output tokens than the API's 16 is refused 402, not sent a smaller limit", async () => {
      // A prompt that leaves one credit room for 1 to 15 output tokens, found with the meter's own arithmetic.
      const affordableWith = async (words: number) => {
        const request = { model: REQUEST.model, input: "toll ".repeat(words), max_output_tokens: 1_000 };
        const tokens = await proxy.meter.affordableMaxTokens({
          provider: "openai",
          model: "gpt-4o-mini",
          messages: responsesPromptMessages(request),
          maxTokens: request.max_output_tokens,
          availableMinor: 1n,
        });
        return { request, tokens };
      };
      let found: Awaited<ReturnType<typeof affordableWith>> | null = null;
      for (let words = 250; words <= 350 && !found; words++) {
        const candidate = await affordableWith(words);
        if (candidate.tokens !== null && candidate.tokens < RESPONSES_OUTPUT_TOKENS_MIN) found = candidate;
      }
      assert.ok(found, "a prompt that leaves room for fewer than 16 output tokens");
      const leo = await proxy.customer("leo", 1n);
      const error = await refusal(clientFor(leo.token).responses.create(found.request));
      assert.deepEqual([error.status, error.code], [402, "insufficient_credits"]);
      assert.deepEqual(await proxy.credits(leo.accountId), { balanceMinor: 1n, heldMinor: 0n });
      const small = proxy.upstream.requests.filter((sent) => Number(sent.body.max_output_tokens) < 16);
      assert.deepEqual(small, [], "no limit under 16 was sent");
    });

    test("an unknown key is 401 in OpenAI's format", async () => {
      const error = await refusal(clientFor("tg_ct_nope").responses.create(REQUEST));
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
          .responses.create({ ...REQUEST, stream: true }, { signal: abort.signal })
          .withResponse();
        const closedBefore = proxy.closedResponses();
        const events = stream[Symbol.asyncIterator]();
        for (;;) {
          const next = await events.next();
          assert.ok(!next.done, "the stream ended before its first delta");
          if (next.value.type === "response.output_text.delta") break;
        }
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

    test("a stream the upstream cuts is settled from the streamed text", async () => {
      const gina = await proxy.customer("gina", 1_000n);
      proxy.upstream.mode = "cut";
      try {
        const { data: stream, response } = await clientFor(gina.token)
          .responses.create({ ...REQUEST, stream: true })
          .withResponse();
        let text = "";
        await assert.rejects(async () => {
          for await (const event of stream) if (event.type === "response.output_text.delta") text += event.delta;
          throw new Error("the stream ended without response.completed");
        });
        assert.equal(text, FAKE_RESPONSE_PIECES.slice(0, 2).join(""));
        const holdId = response.headers.get("x-tollgate-hold-id");
        await until("the hold settled", async () => (await holdStatus(holdId)) === "settled");
        const { balanceMinor, heldMinor } = await proxy.credits(gina.accountId);
        assert.equal(heldMinor, 0n);
        assert.ok(balanceMinor < 1_000n, "what was produced is charged");
        // Settled at the prompt's estimate and the two pieces streamed, counted.
        const [row] =
          (await proxy.meter.usageReport({ account: { accountId: gina.accountId }, groupBy: "model" })) ?? [];
        assert.equal(row?.outputTokens, BigInt(await countTokens(text)));
        assert.ok((row?.inputTokens ?? 0n) > 0n);
      } finally {
        proxy.upstream.mode = "answer";
      }
    });

    test("a stream retried with its Idempotency-Key replays its events: charged once, sent upstream once", async () => {
      const kate = await proxy.customer("kate", 1_000n);
      const client = clientFor(kate.token);
      const keyed = { headers: { "Idempotency-Key": "essay-1" } };
      const read = async () => {
        let text = "";
        const stream = await client.responses.create({ ...REQUEST, stream: true }, keyed);
        for await (const event of stream) if (event.type === "response.output_text.delta") text += event.delta;
        return text;
      };
      const sent = () => proxy.upstream.requests.filter((request) => request.path === "/api/v1/responses").length;
      const calls = sent();
      assert.equal(await read(), TEXT);
      // The answer is kept once the stream has ended and settled: until then a retry is 409.
      await until("the stream's answer kept", async () => {
        const response = await fetch(`${proxy.baseURL}/responses`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${kate.token}`,
            "content-type": "application/json",
            "idempotency-key": "essay-1",
          },
          body: JSON.stringify({ ...REQUEST, stream: true }),
        });
        const text = await response.text();
        if (response.status === 409) return false;
        assert.equal(response.headers.get("idempotent-replayed"), "true", text);
        // The charge comment follows the last event, response.completed: the Responses API sends no [DONE].
        assert.match(
          text,
          /event: response\.completed\n[^\n]+\n\n: tollgate charged=30 available=970 unit=credits\n\n$/,
        );
        return true;
      });
      assert.equal(await read(), TEXT, "the official client reads the replay");
      assert.equal(sent(), calls + 1);
      assert.deepEqual(await proxy.credits(kate.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
    });

    test("an upstream 500 releases the hold and answers 502 in OpenAI's format", async () => {
      const hank = await proxy.customer("hank", 1_000n);
      proxy.upstream.mode = "error";
      try {
        const error = await refusal(clientFor(hank.token).responses.create(REQUEST));
        assert.equal(error.status, 502);
        assert.equal(error.code, "upstream_error");
        assert.deepEqual(await proxy.credits(hank.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
      } finally {
        proxy.upstream.mode = "answer";
      }
    });

    test("bad bodies are 400 naming the field, and nothing is held or sent", async () => {
      const ivy = await proxy.customer("ivy", 1_000n);
      // Each body is marked (OpenAI's \`user\` field), so no other test's request can be taken for one of these.
      const marker = "bad-body-test";
      const rows: Array<[Record<string, unknown>, string]> = [
        [{ model: "openai/gpt-4o-mini" }, "input"],
        [{ model: "openai/gpt-4o-mini", input: [] }, "input"],
        [{ model: "openai/gpt-4o-mini", input: [{ role: "robot", content: "hi" }] }, "input[0].role"],
        [{ model: "openai/gpt-4o-mini", input: [{ role: "user", content: 7 }] }, "input[0].content"],
        [{ input: "hi" }, "model"],
        [{ model: "openai/gpt-4o-mini", input: "hi", background: true }, "background"],
        [{ model: "openai/gpt-4o-mini", input: "hi", max_output_tokens: 0 }, "max_output_tokens"],
        [{ model: "openai/gpt-4o-mini", input: "hi", tools: {} }, "tools"],
      ];
      for (const [body, param] of rows) {
        const response = await fetch(`${proxy.baseURL}/responses`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${ivy.token}` },
          body: JSON.stringify({ ...body, user: marker }),
        });
        const answer = (await response.json()) as { error: { code: string; param: string } };
        assert.deepEqual([response.status, answer.error.code, answer.error.param], [400, "invalid_request", param]);
      }
      assert.equal(
        proxy.upstream.requests.some((request) => request.body.user === marker),
        false,
        "nothing sent upstream",
      );
      assert.deepEqual(await proxy.credits(ivy.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
    });

    test("reconcile is clean after it all", async () => {
      const report = await proxy.ledger.reconcile();
      assert.equal(report.ok, true, JSON.stringify(report.summary));
    });
  });
}
