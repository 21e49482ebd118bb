// The proxy's pure parts: SSE framing across chunk boundaries, the provider's usage read
// exactly, and the upstream read from the environment.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, test } from "node:test";
import { providerUsageOf } from "./provider-usage.ts";
import { SseEvents, sseData } from "./sse-events.ts";
import { StreamedText } from "./streamed-tokens.ts";
import { UpstreamBody } from "./upstream-body.ts";
import { DEFAULT_UPSTREAM_BASE_URL, upstreamConfigFromEnv } from "./upstream-config.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("SseEvents", () => {
  test("an event split across chunks, and a character split across them, come out whole", () => {
    const events = new SseEvents();
    const euro = bytes("€");
    assert.deepEqual(events.push(bytes('data: {"a":"')), []);
    assert.deepEqual(events.push(euro.slice(0, 1)), []);
    assert.deepEqual(events.push(euro.slice(1)), []);
    assert.deepEqual(events.push(bytes('"}\r\n\r\ndata: [DONE]\n\n: comment')), ['data: {"a":"€"}', "data: [DONE]"]);
    assert.deepEqual(events.end(), [": comment"]);
  });

  test("an event's data joins its data lines; a comment has none", () => {
    assert.equal(sseData("event: x\ndata: one\ndata:two"), "one\ntwo");
    assert.equal(sseData(": keep-alive"), null);
  });
});

describe("providerUsageOf", () => {
  test("tokens, cached and reasoning tokens, and OpenRouter's cost as exact decimal text", () => {
    assert.deepEqual(
      providerUsageOf({
        prompt_tokens: 100,
        completion_tokens: 40,
        prompt_tokens_details: { cached_tokens: 60 },
        completion_tokens_details: { reasoning_tokens: 10 },
        cost: 0.000123,
      }),
      {
        usage: { inputTokens: 100, outputTokens: 40, cacheReadTokens: 60, reasoningTokens: 10 },
        costUsd: "0.000123",
      },
    );
    assert.equal(providerUsageOf({ prompt_tokens: 1, completion_tokens: 1, cost: 1e-7 })?.costUsd, "0.0000001");
  });

  test("no usage, or no token counts, is null; a bad cost is left out", () => {
    assert.equal(providerUsageOf(null), null);
    assert.equal(providerUsageOf({ cost: 1 }), null);
    assert.equal(providerUsageOf({ prompt_tokens: 1, completion_tokens: 2, cost: -1 })?.costUsd, undefined);
  });
});

describe("StreamedText", () => {
  test("counts content, reasoning and tool-call arguments", async () => {
    const streamed = new StreamedText();
    assert.equal(await streamed.tokens(), 0);
    streamed.add({ choices: [{ delta: { content: "Hello world" } }] });
    streamed.add({ choices: [{ delta: { tool_calls: [{ function: { arguments: '{"q":1}' } }] } }] });
    assert.ok((await streamed.tokens()) >= 4);
  });
});

describe("upstreamConfigFromEnv", () => {
  test("no key, no proxy; OpenRouter by default; a trailing slash dropped; not http is refused", () => {
    assert.equal(upstreamConfigFromEnv({}), null);
    const config = upstreamConfigFromEnv({ TOLLGATE_UPSTREAM_OPENAI_KEY: "sk-or-1" });
    assert.deepEqual([config?.baseUrl, config?.defaultProvider], [DEFAULT_UPSTREAM_BASE_URL, "openai"]);
    const local = upstreamConfigFromEnv({
      TOLLGATE_UPSTREAM_OPENAI_KEY: "k",
      TOLLGATE_UPSTREAM_OPENAI_BASE_URL: "http://127.0.0.1:4000/v1/",
      TOLLGATE_UPSTREAM_DEFAULT_PROVIDER: "anthropic",
    });
    assert.deepEqual([local?.baseUrl, local?.defaultProvider], ["http://127.0.0.1:4000/v1", "anthropic"]);
    assert.throws(
      () => upstreamConfigFromEnv({ TOLLGATE_UPSTREAM_OPENAI_KEY: "k", TOLLGATE_UPSTREAM_OPENAI_BASE_URL: "ftp://x" }),
      /must be http/,
    );
  });

  test("max_tokens is clamped by default; false turns it off; a typo is refused", () => {
    const clamp = (value?: string) =>
      upstreamConfigFromEnv({
        TOLLGATE_UPSTREAM_OPENAI_KEY: "k",
        ...(value === undefined ? {} : { TOLLGATE_PROXY_CLAMP_MAX_TOKENS: value }),
      })?.clampMaxTokens;
    assert.deepEqual([clamp(), clamp("true"), clamp("false"), clamp("0")], [true, true, false, false]);
    assert.throws(() => clamp("no"), /TOLLGATE_PROXY_CLAMP_MAX_TOKENS must be true or false/);
  });
});

describe("UpstreamBody", () => {
  test("what came before the upstream broke off is kept, then the failure, though nobody read it yet", async () => {
    const source = new PassThrough();
    const body = new UpstreamBody(source);
    source.write(bytes("one "));
    source.write(bytes("two"));
    await new Promise((resolve) => setImmediate(resolve));
    source.destroy(new Error("other side closed"));
    await new Promise((resolve) => setImmediate(resolve));
    const read: string[] = [];
    await assert.rejects(async () => {
      for await (const chunk of body) read.push(new TextDecoder().decode(chunk));
    }, /other side closed/);
    assert.equal(read.join(""), "one two");
  });

  test("past its buffer, the upstream is paused until the body is read", async () => {
    const source = new PassThrough();
    const body = new UpstreamBody(source, { bufferedBytesMax: 4 });
    source.write(bytes("12345"));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(source.isPaused(), true);
    source.end(bytes("6"));
    assert.equal(await body.text(), "123456");
  });
});
