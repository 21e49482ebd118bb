// Idempotency-Key on proxied calls, with the official client: a retried call is neither charged
// again nor sent upstream again. A whole answer and a stream's events are replayed; a retry
// while the first runs is 409, another body under the same key 422; a refused or failed call
// gives its key back, so the retry runs.
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
const CHARGE = 24n;
const keyed = (key: string) => ({ headers: { "Idempotency-Key": key } });

async function refusal(call: Promise<unknown>): Promise<APIError> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof APIError, `an APIError: ${String(error)}`);
  return error;
}

for (const database of await testDatabases()) {
  describe(`Idempotency-Key on proxied calls on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    before(async () => {
      proxy = await openProxyTestApp(database);
    });
    after(() => proxy.close());

    // No retries of its own: each test sends its retries itself.
    const clientFor = (apiKey: string) => new OpenAI({ baseURL: proxy.baseURL, apiKey, maxRetries: 0 });

    test("a retried completion gets the first answer again: charged once, sent upstream once", async () => {
      const alice = await proxy.customer("alice", 1_000n);
      const client = clientFor(alice.token);
      const calls = proxy.upstream.requests.length;
      const first = await client.chat.completions.create(REQUEST, keyed("order-1")).withResponse();
      const retry = await client.chat.completions.create(REQUEST, keyed("order-1")).withResponse();
      assert.deepEqual(retry.data, first.data);
      assert.equal(retry.response.headers.get("idempotent-replayed"), "true");
      assert.equal(retry.response.headers.get("x-tollgate-charged"), "24");
      assert.equal(proxy.upstream.requests.length, calls + 1);
      assert.deepEqual(await proxy.credits(alice.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
    });

    test("a retried stream gets its events again, charge comment and all: charged once", async () => {
      const bob = await proxy.customer("bob", 1_000n);
      const client = clientFor(bob.token);
      const calls = proxy.upstream.requests.length;
      const read = async () => {
        const stream = await client.chat.completions.create({ ...REQUEST, stream: true }, keyed("stream-1"));
        let text = "";
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
        return text;
      };
      assert.equal(await read(), FAKE_PIECES.join(""));
      // The answer is kept once the stream has ended and settled: until then a retry is 409.
      await until("the stream's answer kept", async () => {
        const response = await fetch(`${proxy.baseURL}/chat/completions`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${bob.token}`,
            "content-type": "application/json",
            "idempotency-key": "stream-1",
          },
          body: JSON.stringify({ ...REQUEST, stream: true }),
        });
        const text = await response.text();
        if (response.status === 409) return false;
        assert.equal(response.status, 200, text);
        assert.equal(response.headers.get("idempotent-replayed"), "true");
        assert.match(text, /: tollgate charged=24 available=976 unit=credits\n\ndata: \[DONE\]\n\n$/);
        return true;
      });
      assert.equal(await read(), FAKE_PIECES.join(""), "the official client reads the replay");
      assert.equal(proxy.upstream.requests.length, calls + 1);
      assert.deepEqual(await proxy.credits(bob.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
    });

    test("a retry while the first call runs is 409 idempotency_in_progress, with Retry-After", async () => {
      const carol = await proxy.customer("carol", 1_000n);
      const client = clientFor(carol.token);
      const midStream = gate();
      proxy.upstream.gate = midStream.opened;
      try {
        const stream = await client.chat.completions.create({ ...REQUEST, stream: true }, keyed("slow-1"));
        const chunks = stream[Symbol.asyncIterator]();
        assert.ok((await chunks.next()).value, "the first piece arrived");
        const error = await refusal(client.chat.completions.create({ ...REQUEST, stream: true }, keyed("slow-1")));
        assert.equal(error.status, 409);
        assert.equal(error.code, "idempotency_in_progress");
        assert.equal(error.headers?.get("retry-after"), "1");
        midStream.open();
        while (!(await chunks.next()).done) {}
      } finally {
        proxy.upstream.gate = null;
      }
      await until("the charge", async () => (await proxy.credits(carol.accountId)).balanceMinor === 1_000n - CHARGE);
    });

    test("the same key with another body is 422 idempotency_conflict, and nothing is charged", async () => {
      const dave = await proxy.customer("dave", 1_000n);
      const client = clientFor(dave.token);
      await client.chat.completions.create(REQUEST, keyed("reuse-1"));
      const error = await refusal(
        client.chat.completions.create(
          { ...REQUEST, messages: [{ role: "user", content: "Other." }] },
          keyed("reuse-1"),
        ),
      );
      assert.equal(error.status, 422);
      assert.equal(error.code, "idempotency_conflict");
      assert.deepEqual(await proxy.credits(dave.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
    });

    test("a refused call and a failed upstream give the key back: the retry runs", async () => {
      const erin = await proxy.brokeCustomer("erin");
      const client = clientFor(erin.token);
      assert.equal((await refusal(client.chat.completions.create(REQUEST, keyed("later-1")))).status, 402);
      assert.ok(
        (
          await proxy.ledger.grant({
            account: { accountId: erin.accountId },
            amountMinor: 1_000n,
            source: "promo",
            idempotencyKey: "g-erin",
          })
        ).ok,
      );
      proxy.upstream.mode = "error";
      try {
        assert.equal((await refusal(client.chat.completions.create(REQUEST, keyed("later-1")))).status, 502);
      } finally {
        proxy.upstream.mode = "answer";
      }
      const { response } = await client.chat.completions.create(REQUEST, keyed("later-1")).withResponse();
      assert.equal(response.headers.get("idempotent-replayed"), null, "run, not replayed");
      assert.deepEqual(await proxy.credits(erin.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
    });

    test("keys are the account's: the same key from two accounts is two calls", async () => {
      const fay = await proxy.customer("fay", 1_000n);
      const gus = await proxy.customer("gus", 1_000n);
      await clientFor(fay.token).chat.completions.create(REQUEST, keyed("shared-1"));
      const { response } = await clientFor(gus.token)
        .chat.completions.create(REQUEST, keyed("shared-1"))
        .withResponse();
      assert.equal(response.headers.get("idempotent-replayed"), null);
      assert.equal((await proxy.credits(gus.accountId)).balanceMinor, 1_000n - CHARGE);
    });

    test("a secret key naming the account by id or by external id shares the account's keys", async () => {
      const hal = await proxy.customer("hal", 1_000n);
      const as = (account: string) =>
        new OpenAI({
          baseURL: proxy.baseURL,
          apiKey: proxy.secret,
          maxRetries: 0,
          defaultHeaders: { "X-Tollgate-Account": account },
        });
      await as("user:hal").chat.completions.create(REQUEST, keyed("backend-1"));
      const { response } = await as(hal.accountId).chat.completions.create(REQUEST, keyed("backend-1")).withResponse();
      assert.equal(response.headers.get("idempotent-replayed"), "true");
      assert.equal((await proxy.credits(hal.accountId)).balanceMinor, 1_000n - CHARGE);
    });

    test("a malformed key is 400 invalid_request, before anything is held", async () => {
      const ivy = await proxy.customer("ivy", 1_000n);
      const error = await refusal(clientFor(ivy.token).chat.completions.create(REQUEST, keyed("tollgate:mine")));
      assert.equal(error.status, 400);
      assert.equal(error.code, "invalid_request");
      assert.deepEqual(await proxy.credits(ivy.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
    });
  });
}
