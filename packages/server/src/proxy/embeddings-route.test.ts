// POST /openai/v1/embeddings against a fake OpenRouter, driven by the official `openai` client
// (`client.embeddings.create`, base64 by default) on both databases: held for the input's
// tokens alone, settled from usage.prompt_tokens and OpenRouter's cost, exactly.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError } from "openai";
import { FAKE_EMBEDDING } from "./fake-embeddings.ts";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";

const MODEL = "openai/text-embedding-3-small";
// usage.cost 0.0001 USD x markup 2 x 10,000 credits a dollar.
const CHARGE = 2n;

async function refusal(promise: Promise<unknown>): Promise<APIError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof APIError, `an APIError: ${String(error)}`);
  return error;
}

for (const database of await testDatabases()) {
  describe(`POST /openai/v1/embeddings on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    before(async () => {
      proxy = await openProxyTestApp(database);
    });
    after(() => proxy.close());

    const clientFor = (apiKey: string) => new OpenAI({ baseURL: proxy.baseURL, apiKey, maxRetries: 0 });

    test("an embedding is charged usage.cost x markup x conversion, exactly, with the charge in headers", async () => {
      const alice = await proxy.customer("alice", 1_000n);
      const { data, response } = await clientFor(alice.token)
        .embeddings.create({ model: MODEL, input: "The toll is five cents." })
        .withResponse();
      assert.deepEqual(data.data[0]?.embedding, FAKE_EMBEDDING, "the client's base64 decoded as sent");
      assert.equal(data.usage.prompt_tokens, 6);
      assert.equal(response.headers.get("x-tollgate-charged"), "2");
      assert.equal(response.headers.get("x-tollgate-available"), "998");
      assert.deepEqual(await proxy.credits(alice.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
      const forwarded = proxy.upstream.requests.at(-1);
      assert.equal(forwarded?.path, "/api/v1/embeddings");
      assert.equal(forwarded?.authorization, "Bearer sk-or-test");
      const holdId = response.headers.get("x-tollgate-hold-id");
      assert.equal(holdId && (await proxy.ledger.findHold(holdId))?.status, "settled");
    });

    test("an array of strings is one call, held for all of them", async () => {
      const bob = await proxy.customer("bob", 1_000n);
      const input = ["one toll", "two tolls", "three tolls"];
      const answer = await clientFor(bob.token).embeddings.create({ model: MODEL, input, encoding_format: "float" });
      assert.deepEqual(
        answer.data.map((row) => row.embedding),
        input.map(() => FAKE_EMBEDDING),
      );
      assert.equal((await proxy.credits(bob.accountId)).balanceMinor, 1_000n - CHARGE);
    });

    test("the hold is the input's tokens alone: an account with one credit may embed a short text", async () => {
      // text-embedding-3-small is $0.02 a million tokens: a short text is held at one credit, and
      // settled at OpenRouter's cost (2 credits) taken from what is available, as any settlement.
      const carol = await proxy.customer("carol", 1n);
      const hold = await proxy.meter.estimateCall({
        provider: "openai",
        model: "text-embedding-3-small",
        messages: [{ role: "user", content: "short" }],
        generatesOutput: false,
      });
      assert.deepEqual([hold?.amountMinor, hold?.usage.outputTokens], [1n, 0]);
      await clientFor(carol.token).embeddings.create({ model: MODEL, input: "short" });
      assert.deepEqual(await proxy.credits(carol.accountId), { balanceMinor: 0n, heldMinor: 0n });
    });

    test("a retry with the same Idempotency-Key gets the first embedding again, charged once", async () => {
      const kim = await proxy.customer("kim", 1_000n);
      const client = clientFor(kim.token);
      const keyed = { headers: { "Idempotency-Key": "embed-1" } };
      const first = await client.embeddings.create({ model: MODEL, input: "toll road" }, keyed).withResponse();
      const retry = await client.embeddings.create({ model: MODEL, input: "toll road" }, keyed).withResponse();
      assert.deepEqual(retry.data.data, first.data.data);
      assert.equal(retry.response.headers.get("idempotent-replayed"), "true");
      assert.deepEqual(await proxy.credits(kim.accountId), { balanceMinor: 1_000n - CHARGE, heldMinor: 0n });
    });

    // The upstream request is sent beside the hold and aborted when it is refused (proxy-concurrent-hold.test.ts).
    test("a broke account gets APIError 402 insufficient_credits, and nothing is held or charged", async () => {
      const { accountId } = await proxy.ledger.ensureAccount({ type: "user", externalId: "dave" });
      const dave = await proxy.keys.create({ kind: "customer", name: "dave", accountId });
      const error = await refusal(clientFor(dave.token).embeddings.create({ model: MODEL, input: "hello" }));
      assert.equal(error.status, 402);
      assert.equal(error.code, "insufficient_credits");
      assert.match(error.message, /required 1 credits, available 0 credits/);
      assert.deepEqual(await proxy.credits(accountId), { balanceMinor: 0n, heldMinor: 0n });
    });

    test("an unknown key is 401 in OpenAI's format", async () => {
      const error = await refusal(clientFor("tg_ct_nope").embeddings.create({ model: MODEL, input: "hello" }));
      assert.equal(error.status, 401);
      assert.equal(error.code, "unauthenticated");
    });

    test("an upstream 500 releases the hold and answers 502", async () => {
      const erin = await proxy.customer("erin", 1_000n);
      proxy.upstream.mode = "error";
      try {
        const error = await refusal(clientFor(erin.token).embeddings.create({ model: MODEL, input: "hello" }));
        assert.deepEqual([error.status, error.code], [502, "upstream_error"]);
        assert.deepEqual(await proxy.credits(erin.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
      } finally {
        proxy.upstream.mode = "answer";
      }
    });

    test("bad input is 400 naming the field, token ids included, and nothing is held or sent", async () => {
      const frank = await proxy.customer("frank", 1_000n);
      // Each body is marked (OpenAI's \`user\` field), so no other test's request can be taken for one of these.
      const marker = "bad-body-test";
      const rows: Array<[Record<string, unknown>, string]> = [
        [{ model: MODEL }, "input"],
        [{ model: MODEL, input: "" }, "input"],
        [{ model: MODEL, input: [] }, "input"],
        [{ model: MODEL, input: ["ok", 3] }, "input[1]"],
        [{ model: MODEL, input: [[1, 2, 3]] }, "input[0]"],
        [{ model: MODEL, input: Array.from({ length: 2_049 }, () => "x") }, "input"],
        [{ input: "hello" }, "model"],
      ];
      for (const [body, param] of rows) {
        const response = await fetch(`${proxy.baseURL}/embeddings`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${frank.token}` },
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
      assert.deepEqual(await proxy.credits(frank.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
    });

    test("reconcile is clean after it all", async () => {
      const report = await proxy.ledger.reconcile();
      assert.equal(report.ok, true, JSON.stringify(report.summary));
    });
  });
}
