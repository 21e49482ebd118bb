// The proxy's own body limit (TOLLGATE_PROXY_BODY_LIMIT_BYTES): a body over it is 413
// request_too_large in the provider's error format, declared or chunked, before anything is
// held or sent upstream.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError } from "openai";
import { openProxyTestApp, type ProxyTestApp } from "../proxy-test-app.ts";
import { rejectionOf } from "./limits-test-helpers.ts";

const BYTES_MAX = 4096;
const message = (bytes: number) => ({ role: "user" as const, content: "a".repeat(bytes) });

for (const database of await testDatabases()) {
  describe(`the proxy's body limit on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    before(async () => {
      proxy = await openProxyTestApp(database, { limits: { bodyBytesMax: BYTES_MAX } });
    });
    after(() => proxy.close());

    test("over the limit: APIError 413 request_too_large in OpenAI's format; nothing held or sent", async () => {
      const alice = await proxy.customer("alice", 1_000n);
      const client = new OpenAI({ baseURL: proxy.baseURL, apiKey: alice.token, maxRetries: 0 });
      const sent = proxy.upstream.requests.length;
      const error = await rejectionOf(
        client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [message(BYTES_MAX)] }),
      );
      assert.ok(error instanceof APIError, String(error));
      assert.equal(error.status, 413);
      assert.equal(error.code, "request_too_large");
      assert.match(error.message, /over 4096 bytes, the most a proxied call may carry/);
      assert.equal(proxy.upstream.requests.length, sent);
      assert.deepEqual(await proxy.credits(alice.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
      // Within it, the same call goes through.
      await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [message(100)] });
    });

    test("a chunked body over the limit is refused the same; /anthropic answers in Anthropic's format", async () => {
      const bob = await proxy.customer("bob", 1_000n);
      const body = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [message(2 * BYTES_MAX)] });
      const chunked = (path: string) =>
        fetch(new URL(path, proxy.baseURL), {
          method: "POST",
          headers: { authorization: `Bearer ${bob.token}`, "content-type": "application/json" },
          body: new Blob([body]).stream(),
          duplex: "half",
        } as RequestInit);
      const openAI = await chunked("/openai/v1/chat/completions");
      assert.equal(openAI.status, 413);
      const openAIBody = (await openAI.json()) as { error: { code: string; type: string } };
      assert.deepEqual([openAIBody.error.code, openAIBody.error.type], ["request_too_large", "invalid_request_error"]);
      const anthropic = await chunked("/anthropic/v1/messages");
      assert.equal(anthropic.status, 413);
      const anthropicBody = (await anthropic.json()) as {
        type: string;
        error: { type: string; message: string; details: { error_code: string } };
      };
      assert.deepEqual([anthropicBody.type, anthropicBody.error.type], ["error", "request_too_large"]);
      assert.equal(anthropicBody.error.details.error_code, "request_too_large");
      assert.deepEqual(await proxy.credits(bob.accountId), { balanceMinor: 1_000n, heldMinor: 0n });
    });
  });
}
