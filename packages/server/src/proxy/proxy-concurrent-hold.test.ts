// The hold is placed while the upstream request is already on its way, and nothing of the
// answer reaches the client before the hold is placed: a refused hold aborts the upstream
// request (or drops what it answered) and the client sees only the 402. Gates, not timing:
// the hold waits at the test app's gate, the answer at the fake upstream's.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError } from "openai";
import { FAKE_PIECES } from "./fake-openrouter.ts";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";
import { gate, until } from "./until.ts";

const REQUEST = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Say hello." }],
  max_tokens: 5_000,
};
const ANSWER = FAKE_PIECES.join("");

for (const database of await testDatabases()) {
  describe(`the hold beside the upstream request on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    before(async () => {
      proxy = await openProxyTestApp(database);
    });
    after(() => proxy.close());

    const clientFor = (apiKey: string) => new OpenAI({ baseURL: proxy.baseURL, apiKey, maxRetries: 0 });

    test("a refused hold aborts the upstream request, and the client sees the 402 only", async () => {
      const broke = await proxy.brokeCustomer("broke-1");
      const holdGate = gate();
      const answerGate = gate();
      proxy.holds.gate = holdGate.opened;
      proxy.upstream.answerGate = answerGate.opened;
      const sent = proxy.upstream.requests.length;
      const abandoned = proxy.upstream.abandoned;
      try {
        const call = clientFor(broke.token)
          .chat.completions.create({ ...REQUEST, stream: true })
          .then(
            () => null,
            (caught: unknown) => caught,
          );
        // The upstream has the request while the hold is still waiting: they run side by side.
        await until("the upstream request", () => proxy.upstream.requests.length > sent);
        assert.equal(proxy.holds.placed, 0, "no hold answered yet");
        holdGate.open();
        const error = await call;
        assert.ok(error instanceof APIError, `an APIError: ${String(error)}`);
        assert.equal(error.status, 402);
        assert.equal(error.code, "insufficient_credits");
        await until("the upstream request aborted", () => proxy.upstream.abandoned > abandoned);
        assert.deepEqual(await proxy.credits(broke.accountId), { balanceMinor: 0n, heldMinor: 0n });
      } finally {
        proxy.holds.gate = null;
        proxy.upstream.answerGate = null;
        answerGate.open();
      }
    });

    test("an answer that came before the hold was refused is dropped: not a byte reaches the client", async () => {
      const broke = await proxy.brokeCustomer("broke-2");
      const holdGate = gate();
      proxy.holds.gate = holdGate.opened;
      const answered = proxy.upstream.answered;
      try {
        const call = fetch(`${proxy.baseURL}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${broke.token}` },
          body: JSON.stringify(REQUEST),
        });
        await until("the upstream's whole answer", () => proxy.upstream.answered > answered);
        holdGate.open();
        const response = await call;
        const text = await response.text();
        assert.equal(response.status, 402);
        assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, "insufficient_credits");
        assert.ok(!text.includes(FAKE_PIECES[0] as string), `no answer in ${text}`);
      } finally {
        proxy.holds.gate = null;
      }
    });

    test("an accepted hold passes the answer on, only once it is placed", async () => {
      const paid = await proxy.customer("paid-1", 1_000n);
      const holdGate = gate();
      proxy.holds.gate = holdGate.opened;
      const completed = proxy.upstream.completedStreams;
      const placed = proxy.holds.placed;
      try {
        let responded = false;
        const call = clientFor(paid.token)
          .chat.completions.create({ ...REQUEST, stream: true })
          .then((stream) => {
            responded = true;
            return stream;
          });
        await until("the upstream's whole stream", () => proxy.upstream.completedStreams > completed);
        assert.equal(responded, false, "nothing reached the client before the hold");
        holdGate.open();
        let text = "";
        for await (const chunk of await call) text += chunk.choices[0]?.delta.content ?? "";
        assert.equal(text, ANSWER);
        assert.equal(proxy.holds.placed, placed + 1);
        await until("the charge", async () => (await proxy.credits(paid.accountId)).balanceMinor === 1_000n - 24n);
        assert.equal((await proxy.credits(paid.accountId)).heldMinor, 0n);
      } finally {
        proxy.holds.gate = null;
      }
    });
  });
}
