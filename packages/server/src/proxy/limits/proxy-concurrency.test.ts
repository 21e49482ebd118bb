// Per-account concurrency through the official `openai` client: over the limit a call is 429
// rate_limited with Retry-After before anything is held or sent upstream, and a call's slot is
// freed however the call ends (answer, stream end, client abort, upstream error or cut, refusal).
// Counts, not timings: every wait is for a condition.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError, RateLimitError } from "openai";
import { FAKE_PIECES } from "../fake-openrouter.ts";
import { openProxyTestApp, type ProxyTestApp } from "../proxy-test-app.ts";
import { gate as closedGate, until } from "../until.ts";
import { rejectionOf } from "./limits-test-helpers.ts";

const REQUEST = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Say hello." }],
  max_tokens: 5_000,
};
const LIMIT = 2;

for (const database of await testDatabases()) {
  describe(`per-account concurrency on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    before(async () => {
      proxy = await openProxyTestApp(database, { limits: { concurrentPerAccountMax: LIMIT } });
    });
    after(() => proxy.close());

    // No retries: the client would otherwise wait Retry-After and try again, as it should.
    const clientFor = (apiKey: string) => new OpenAI({ baseURL: proxy.baseURL, apiKey, maxRetries: 0 });
    const inFlight = (accountId: string) => proxy.limits.inFlight({ accountId });

    test("a call over the limit is 429 rate_limited with Retry-After; nothing held, upstream not called", async () => {
      const alice = await proxy.customer("alice", 1_000n);
      const client = clientFor(alice.token);
      const { opened: gate, open } = closedGate();
      proxy.upstream.gate = gate;
      try {
        const streams = [];
        for (let i = 0; i < LIMIT; i++) {
          const stream = await client.chat.completions.create({ ...REQUEST, stream: true });
          const chunks = stream[Symbol.asyncIterator]();
          assert.equal((await chunks.next()).value?.choices[0]?.delta.content, FAKE_PIECES[0]);
          streams.push(chunks);
        }
        assert.equal(inFlight(alice.accountId), LIMIT);
        const sent = proxy.upstream.requests.length;
        const credits = await proxy.credits(alice.accountId);

        const error = await rejectionOf(client.chat.completions.create(REQUEST));
        assert.ok(error instanceof RateLimitError, `a RateLimitError: ${String(error)}`);
        assert.equal(error.status, 429);
        assert.equal(error.code, "rate_limited");
        assert.equal(error.headers.get("retry-after"), "1");
        assert.match(error.message, /2 proxied calls in flight/);

        // In OpenAI's format; and through /anthropic in Anthropic's: an account's calls count together.
        const post = (path: string) =>
          fetch(new URL(path, proxy.baseURL), {
            method: "POST",
            headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/json" },
            body: JSON.stringify(REQUEST),
          });
        const openAI = await post("/openai/v1/chat/completions");
        assert.equal(openAI.status, 429);
        const openAIBody = (await openAI.json()) as { error: Record<string, unknown> };
        assert.deepEqual(Object.keys(openAIBody.error).sort(), ["code", "message", "param", "type"]);
        assert.deepEqual([openAIBody.error.type, openAIBody.error.code], ["rate_limit_error", "rate_limited"]);
        const anthropic = await post("/anthropic/v1/messages");
        assert.equal(anthropic.status, 429);
        assert.equal(anthropic.headers.get("retry-after"), "1");
        const anthropicBody = (await anthropic.json()) as {
          type: string;
          error: { type: string; message: string; details: { error_code: string } };
        };
        assert.equal(anthropicBody.type, "error");
        assert.equal(anthropicBody.error.type, "rate_limit_error");
        assert.equal(anthropicBody.error.details.error_code, "rate_limited");

        assert.equal(proxy.upstream.requests.length, sent, "the upstream was not called");
        assert.deepEqual(await proxy.credits(alice.accountId), credits, "nothing more held");
        assert.equal(inFlight(alice.accountId), LIMIT);

        // Another account is not held up by alice's calls.
        const bob = await proxy.customer("bob", 1_000n);
        await clientFor(bob.token).chat.completions.create(REQUEST);

        open();
        for (const chunks of streams) while (!(await chunks.next()).done) {}
        await until("alice's streams over", () => inFlight(alice.accountId) === 0);
        await client.chat.completions.create(REQUEST);
      } finally {
        open();
        proxy.upstream.gate = null;
      }
    });

    test("an answer frees its slot before the client has it", async () => {
      const carol = await proxy.customer("carol", 1_000n);
      await clientFor(carol.token).chat.completions.create(REQUEST);
      assert.equal(inFlight(carol.accountId), 0);
    });

    test("a stream read to its end frees its slot", async () => {
      const dave = await proxy.customer("dave", 1_000n);
      const stream = await clientFor(dave.token).chat.completions.create({ ...REQUEST, stream: true });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      assert.equal(text, FAKE_PIECES.join(""));
      await until("the stream's slot freed", () => inFlight(dave.accountId) === 0);
    });

    test("a client that aborts mid-stream frees its slot; the call is still settled", async () => {
      const erin = await proxy.customer("erin", 1_000n);
      const { opened: gate, open } = closedGate();
      proxy.upstream.gate = gate;
      try {
        const abort = new AbortController();
        const { data: stream, response } = await clientFor(erin.token)
          .chat.completions.create({ ...REQUEST, stream: true }, { signal: abort.signal })
          .withResponse();
        assert.ok((await stream[Symbol.asyncIterator]().next()).value);
        assert.equal(inFlight(erin.accountId), 1);
        abort.abort();
        await until("the aborted stream's slot freed", () => inFlight(erin.accountId) === 0);
        open();
        const holdId = response.headers.get("x-tollgate-hold-id") as string;
        await until("the hold settled", async () => (await proxy.ledger.findHold(holdId))?.status === "settled");
      } finally {
        open();
        proxy.upstream.gate = null;
      }
    });

    test("an upstream error frees its slot", async () => {
      const frank = await proxy.customer("frank", 1_000n);
      proxy.upstream.mode = "error";
      try {
        const error = await rejectionOf(clientFor(frank.token).chat.completions.create(REQUEST));
        assert.ok(error instanceof APIError);
        assert.equal(error.status, 502);
        assert.equal(inFlight(frank.accountId), 0);
      } finally {
        proxy.upstream.mode = "answer";
      }
    });

    test("a stream the upstream cuts frees its slot", async () => {
      const gina = await proxy.customer("gina", 1_000n);
      proxy.upstream.mode = "cut";
      try {
        const stream = await clientFor(gina.token).chat.completions.create({ ...REQUEST, stream: true });
        await (async () => {
          for await (const _ of stream) {
          }
        })().catch(() => {});
        await until("the cut stream's slot freed", () => inFlight(gina.accountId) === 0);
      } finally {
        proxy.upstream.mode = "answer";
      }
    });

    test("a refused call (402, 400) frees its slot", async () => {
      const hank = await proxy.brokeCustomer("hank");
      const broke = await rejectionOf(clientFor(hank.token).chat.completions.create(REQUEST));
      assert.ok(broke instanceof APIError);
      assert.equal(broke.status, 402);
      const bad = await rejectionOf(clientFor(hank.token).chat.completions.create({ ...REQUEST, messages: [] }));
      assert.ok(bad instanceof APIError);
      assert.equal(bad.status, 400);
      assert.equal(inFlight(hank.accountId), 0);
    });

    test("an unauthenticated call takes no slot and is refused 401 by the route", async () => {
      const error = await rejectionOf(clientFor("tg_ct_nope").chat.completions.create(REQUEST));
      assert.ok(error instanceof APIError);
      assert.equal(error.status, 401);
    });

    test("after it all: no slot held by any account, no hold pending, reconcile clean", async () => {
      assert.equal(proxy.limits.slots.keys, 0);
      const report = await proxy.ledger.reconcile();
      assert.equal(report.ok, true, JSON.stringify(report.summary));
    });
  });
}
