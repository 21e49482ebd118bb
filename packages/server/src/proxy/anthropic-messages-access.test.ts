// Who may call /anthropic/v1/messages and how often: a customer token or a secret key naming
// the account, as x-api-key or Bearer (the official client's apiKey and authToken); an unknown
// key; a retry with the same Idempotency-Key; a body over the limit. On both databases.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic, { AuthenticationError } from "@anthropic-ai/sdk";
import { testDatabases } from "@tollgate/store/testing";
import {
  CLAUDE_ANSWER as ANSWER,
  CLAUDE_CHARGE as CHARGE,
  caught,
  CLAUDE_REQUEST as REQUEST,
} from "./anthropic-test-call.ts";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";
import { until } from "./until.ts";

for (const database of await testDatabases()) {
  describe(`who may call the Anthropic proxy on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    before(async () => {
      proxy = await openProxyTestApp(database);
    });
    after(() => proxy.close());

    const clientFor = (apiKey: string) => new Anthropic({ baseURL: proxy.anthropicBaseURL, apiKey });

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

    test("an unknown key is a 401 AuthenticationError", async () => {
      const error = await caught(clientFor("tg_ct_nope").messages.create(REQUEST));
      assert.ok(error instanceof AuthenticationError, String(error));
      assert.equal(error.status, 401);
      assert.equal(error.type, "authentication_error");
      assert.equal(error.errorCode, "unauthenticated");
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
