// The Anthropic proxy's pure parts: Anthropic's usage as the meter settles it, a stream's
// usage gathered from its two events (and counted when cut), a request checked field by field,
// its prompt bounded as the meter counts it, and the upstream read from the environment.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { countPromptTokens } from "@tollgate/metering";
import { ApiError } from "../http/api-error.ts";
import { holdMessages } from "./anthropic-hold-messages.ts";
import { anthropicMessagesProtocol } from "./anthropic-messages-protocol.ts";
import { anthropicAnswerText, anthropicAnswerUsage, anthropicMessagesRequest } from "./anthropic-messages-request.ts";
import { AnthropicStreamReader } from "./anthropic-stream-reader.ts";
import { anthropicUpstreamConfigFromEnv, DEFAULT_ANTHROPIC_BASE_URL } from "./anthropic-upstream-config.ts";
import { anthropicUsage } from "./anthropic-usage.ts";

const event = (type: string, data: Record<string, unknown> = {}) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}`;

describe("anthropicUsage", () => {
  test("cache writes and reads are added back into the input, each priced once at its own rate", () => {
    assert.deepEqual(
      anthropicUsage({
        input_tokens: 100,
        cache_creation_input_tokens: 400,
        cache_read_input_tokens: 1000,
        output_tokens: 200,
      }),
      { usage: { inputTokens: 1500, cacheWriteTokens: 400, cacheReadTokens: 1000, outputTokens: 200 } },
    );
    assert.deepEqual(anthropicUsage({ input_tokens: 5, output_tokens: 2 }), {
      usage: { inputTokens: 5, outputTokens: 2 },
    });
  });

  test("a Message's usage, or null (counted instead) when it has none or it is not one", () => {
    assert.deepEqual(anthropicAnswerUsage({ usage: { input_tokens: 3, output_tokens: 4 } }), {
      usage: { inputTokens: 3, outputTokens: 4 },
    });
    assert.equal(anthropicAnswerUsage({ usage: { input_tokens: -1, output_tokens: 1.5 } }), null);
    assert.equal(anthropicAnswerUsage(undefined), null);
    const content = [
      { type: "thinking", thinking: "hm" },
      { type: "text", text: "Hi" },
      { type: "tool_use", name: "f", input: { a: 1 } },
    ];
    assert.equal(anthropicAnswerText({ content }), 'hmHif{"a":1}');
  });
});

describe("AnthropicStreamReader", () => {
  const start = event("message_start", {
    message: { usage: { input_tokens: 10, cache_read_input_tokens: 20, output_tokens: 1 } },
  });
  const delta = (text: string) => event("content_block_delta", { index: 0, delta: { type: "text_delta", text } });

  test("a whole stream: input and cache from message_start, output from message_delta; message_stop held back", async () => {
    const reader = new AnthropicStreamReader();
    assert.equal(reader.read(start).kind, "forward");
    reader.read(delta("Hello"));
    reader.read(event("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 7 } }));
    assert.deepEqual(reader.read(event("message_stop")), { kind: "final", text: event("message_stop") });
    assert.deepEqual(reader.usage(), { usage: { inputTokens: 30, cacheReadTokens: 20, outputTokens: 7 } });
    assert.equal(reader.cutNotice(), null, "a whole stream is not cut");
  });

  test("cut after message_start: the reported input, and the output counted from the streamed text", async () => {
    const reader = new AnthropicStreamReader();
    reader.read(start);
    reader.read(event("content_block_start", { index: 0, content_block: { type: "tool_use", name: "lookup" } }));
    reader.read(event("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '{"q"' } }));
    reader.read(delta("Hi"));
    assert.equal(reader.text(), 'lookup{"q"Hi');
    assert.equal(reader.usage(), null, "the output is not the provider's yet");
    assert.deepEqual(reader.partialUsage(12), { usage: { inputTokens: 30, cacheReadTokens: 20, outputTokens: 12 } });
    assert.equal(reader.partialUsage(0)?.usage.outputTokens, 1, "never below what was reported");
    assert.match(reader.cutNotice() ?? "", /^event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
  });

  test("cut before message_start: no usage, for the caller to estimate; pings and comments pass", () => {
    const reader = new AnthropicStreamReader();
    assert.equal(reader.read(event("ping")).kind, "forward");
    assert.equal(reader.read(": keep-alive").kind, "forward");
    assert.equal(reader.usage(), null);
    assert.equal(reader.partialUsage(5), null);
  });

  test("the upstream's own error event reaches the client, and no second one follows it", () => {
    const reader = new AnthropicStreamReader();
    reader.read(start);
    const overloaded = event("error", { error: { type: "overloaded_error", message: "Overloaded" } });
    assert.deepEqual(reader.read(overloaded), { kind: "forward", text: overloaded });
    assert.equal(reader.cutNotice(), null);
  });
});

describe("anthropicMessagesRequest", () => {
  const valid = { model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "Hi" }] };
  const faults = (body: unknown) => {
    try {
      anthropicMessagesRequest(body, new Headers());
    } catch (error) {
      assert.ok(error instanceof ApiError);
      return (error.details.fields as Array<{ field: string }>).map((field) => field.field);
    }
    return [];
  };

  test("each field at fault is named, and max_tokens is required as Anthropic requires it", () => {
    const rows: Array<[string, unknown, string[]]> = [
      ["valid", valid, []],
      ["not an object", [1], ["body"]],
      ["no max_tokens", { ...valid, max_tokens: undefined }, ["max_tokens"]],
      ["max_tokens 0", { ...valid, max_tokens: 0 }, ["max_tokens"]],
      ["no model", { ...valid, model: "" }, ["model"]],
      ["no messages", { ...valid, messages: [] }, ["messages"]],
      ["a system role", { ...valid, messages: [{ role: "system", content: "x" }] }, ["messages[0]"]],
      ["content a number", { ...valid, messages: [{ role: "user", content: 1 }] }, ["messages[0]"]],
      ["a block without type", { ...valid, messages: [{ role: "user", content: [{ text: "x" }] }] }, ["messages[0]"]],
      ["stream a string", { ...valid, stream: "yes" }, ["stream"]],
      ["system a number", { ...valid, system: 1 }, ["system"]],
      ["a tool without name", { ...valid, tools: [{ input_schema: {} }] }, ["tools"]],
    ];
    for (const [name, body, fields] of rows) assert.deepEqual(faults(body), fields, name);
  });

  test("the upstream gets the client's body and protocol headers, and a version when it sent none", () => {
    const headers = new Headers({ "anthropic-beta": "tools-2024", "x-api-key": "tg_ct_secret" });
    const request = anthropicMessagesRequest({ ...valid, stream: true }, headers);
    assert.equal(request.streaming, true);
    assert.equal(request.hold.maxTokens, 100);
    assert.deepEqual(request.upstream.headers, { "anthropic-version": "2023-06-01", "anthropic-beta": "tools-2024" });
    assert.equal(request.upstream.body.max_tokens, 100);
  });
});

describe("anthropicMessagesProtocol", () => {
  const prepare = (body: Record<string, unknown>) =>
    anthropicMessagesProtocol.prepare(
      { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hi" }], ...body },
      { headers: new Headers(), defaultProvider: "openai" },
    );

  test("priced as anthropic whatever the default provider; max_tokens lowered, a thinking budget below it", () => {
    const call = prepare({ max_tokens: 4_000, thinking: { type: "enabled", budget_tokens: 2_000 } });
    assert.deepEqual([call.provider, call.clampsOutput], ["anthropic", true]);
    assert.equal(call.upstream({}).body, call.upstream({}).body, "unclamped, the client's body as sent");
    const lowered = call.upstream({ maxOutputTokens: 1_500 }).body as Record<string, unknown>;
    assert.deepEqual([lowered.max_tokens, lowered.thinking], [1_500, { type: "enabled", budget_tokens: 1_499 }]);
    const roomy = call.upstream({ maxOutputTokens: 3_000 }).body as Record<string, unknown>;
    assert.deepEqual([roomy.max_tokens, roomy.thinking], [3_000, { type: "enabled", budget_tokens: 2_000 }]);
    const plain = prepare({ max_tokens: 100 }).upstream({ maxOutputTokens: 50 }).body as Record<string, unknown>;
    assert.deepEqual([plain.max_tokens, plain.thinking], [50, undefined]);
  });
});

describe("holdMessages", () => {
  test("every block is bounded by the meter at least by its text's bytes, images at the image bound", async () => {
    const messages = holdMessages({
      system: [{ type: "text", text: "Be brief." }],
      messages: [
        { role: "user", content: "Look:" },
        {
          role: "user",
          content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } }],
        },
        { role: "assistant", content: [{ type: "tool_use", id: "tu_1", name: "lookup", input: { q: "x" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "tu_1", content: "found" }] },
        { role: "user", content: [{ type: "document", source: { type: "text", data: "a".repeat(100) } }] },
      ],
    });
    const count = await countPromptTokens({ provider: "anthropic", model: "claude-sonnet-4-5", messages });
    assert.equal(count.method, "byte_bound");
    // 64 a request, 8 a message; role and text bytes; 5,000 for the image.
    const texts = ["Be brief.", "Look:", 'lookup{"q":"x"}', "tu_1\nfound"];
    const documentBytes = JSON.stringify({ type: "document", source: { type: "text", data: "a".repeat(100) } }).length;
    const roles = ["system", "user", "user", "assistant", "user", "user"].join("").length;
    const textBytes = texts.join("").length + documentBytes;
    assert.equal(count.tokens, 64 + 6 * 8 + roles + textBytes + 5_000);
  });
});

describe("anthropicUpstreamConfigFromEnv", () => {
  test("no key, no route; Anthropic's own URL by default; a non-http URL is refused", () => {
    assert.equal(anthropicUpstreamConfigFromEnv({}), null);
    assert.equal(
      anthropicUpstreamConfigFromEnv({ TOLLGATE_UPSTREAM_ANTHROPIC_KEY: "sk-ant" })?.baseUrl,
      DEFAULT_ANTHROPIC_BASE_URL,
    );
    const local = anthropicUpstreamConfigFromEnv({
      TOLLGATE_UPSTREAM_ANTHROPIC_KEY: "sk-ant",
      TOLLGATE_UPSTREAM_ANTHROPIC_BASE_URL: "http://127.0.0.1:9/",
    });
    assert.equal(local?.baseUrl, "http://127.0.0.1:9");
    assert.deepEqual(
      [local?.clampMaxTokens, local?.headersTimeoutMs, local?.idleTimeoutMs],
      [true, 600_000, 300_000],
      "the settings every upstream shares, at their defaults",
    );
    const unclamped = anthropicUpstreamConfigFromEnv({
      TOLLGATE_UPSTREAM_ANTHROPIC_KEY: "sk-ant",
      TOLLGATE_PROXY_CLAMP_MAX_TOKENS: "false",
    });
    assert.equal(unclamped?.clampMaxTokens, false);
    assert.throws(
      () =>
        anthropicUpstreamConfigFromEnv({
          TOLLGATE_UPSTREAM_ANTHROPIC_KEY: "k",
          TOLLGATE_UPSTREAM_ANTHROPIC_BASE_URL: "ftp://x",
        }),
      /must be http/,
    );
  });
});
