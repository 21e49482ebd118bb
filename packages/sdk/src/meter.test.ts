// meter() around the official `openai` client, against a fake OpenAI-protocol upstream over
// real HTTP and the real server on both databases: hold, call, settle; streaming included.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI from "openai";
// The proxy's own fake upstream (a test double; main will export it as @tollgate/server/testing).
import { FAKE_PIECES, FAKE_USAGE, FakeOpenRouter } from "../../server/src/proxy/fake-openrouter.ts";
import { createTollgateClient, meter, type TollgateClient, TollgateError } from "./index.ts";
import { openSdkTestServer, type SdkTestServer } from "./sdk-test-server.ts";

for (const database of await testDatabases()) {
  describe(`meter(openai) on ${database.name}`, () => {
    let server: SdkTestServer;
    let upstream: FakeOpenRouter;
    let tollgate: TollgateClient;
    let openai: OpenAI;
    before(async () => {
      server = await openSdkTestServer(database);
      upstream = await FakeOpenRouter.start();
      tollgate = createTollgateClient({ baseUrl: server.baseUrl, secretKey: server.secret, maxRetries: 0 });
      openai = new OpenAI({ baseURL: upstream.baseUrl, apiKey: "sk-test", maxRetries: 0 });
      await tollgate.grants.create("user:alice", { amount: "100000", source: "promo" });
    });
    after(async () => {
      await upstream.close();
      await server.close();
    });

    const credits = async () => (await tollgate.balances.list("user:alice"))[0];
    const messages = [{ role: "user" as const, content: "Hello?" }];

    test("a call is held, made, and settled from the usage the provider reported", async () => {
      const metered = meter(openai, { tollgate, account: "user:alice", conversationId: "chat-1" });
      const before = await credits();
      const answer = await metered.chat.completions.create({ model: "openai/gpt-4o-mini", messages, max_tokens: 50 });
      assert.equal(answer.usage?.completion_tokens, FAKE_USAGE.completion_tokens);
      const afterCall = await credits();
      assert.equal(afterCall?.held, "0", "the hold is settled");
      assert.ok(BigInt(afterCall?.balance ?? "0") < BigInt(before?.balance ?? "0"), "the call was charged");
      const conversation = await tollgate.accounts.conversation("user:alice", "chat-1");
      assert.ok(conversation, "its usage event is recorded with the conversation");
      assert.deepEqual(metered.models, openai.models, "the rest of the client is the client");
    });

    test("a stream is metered from its usage chunk once read to its end", async () => {
      const metered = meter(openai, { tollgate, account: "user:alice" });
      const stream = await metered.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true });
      let text = "";
      let sawUsage = false;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? "";
        if (chunk.usage) sawUsage = true;
      }
      assert.equal(text, FAKE_PIECES.join(""));
      assert.ok(sawUsage, "include_usage was asked for");
      const streamOptions = upstream.requests.at(-1)?.body.stream_options as { include_usage?: boolean } | undefined;
      assert.equal(streamOptions?.include_usage, true);
      assert.equal((await credits())?.held, "0");
    });

    test("a stream the app breaks off is charged its whole hold: its tokens may be billed upstream", async () => {
      const metered = meter(openai, { tollgate, account: "user:alice" });
      const before = await credits();
      const stream = await metered.chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        stream: true,
        max_tokens: 20,
      });
      for await (const _chunk of stream) break;
      const afterBreak = await credits();
      assert.equal(afterBreak?.held, "0", "settled when the app stopped reading");
      assert.ok(BigInt(afterBreak?.balance ?? "0") < BigInt(before?.balance ?? "0"));
    });

    test("a failed call releases its hold and charges nothing", async () => {
      const metered = meter(openai, { tollgate, account: "user:alice" });
      const before = await credits();
      upstream.mode = "error";
      try {
        await assert.rejects(metered.chat.completions.create({ model: "gpt-4o-mini", messages }), OpenAI.APIError);
      } finally {
        upstream.mode = "answer";
      }
      assert.deepEqual(await credits(), before);
    });

    test("an account that cannot pay is refused before anything is sent", async () => {
      const metered = meter(openai, { tollgate, account: "user:broke" });
      const sent = upstream.requests.length;
      await assert.rejects(
        metered.chat.completions.create({ model: "gpt-4o-mini", messages }),
        (error: unknown) => error instanceof TollgateError && error.code === "insufficient_credits",
      );
      assert.equal(upstream.requests.length, sent);
    });
  });
}
