import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { encodeChat as encodeChatCl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens, encodeChat } from "gpt-tokenizer/encoding/o200k_base";
import {
  BYTE_BOUND_MESSAGE_OVERHEAD_TOKENS,
  BYTE_BOUND_REQUEST_OVERHEAD_TOKENS,
  BYTE_BOUND_TOOLS_OVERHEAD_TOKENS,
  countPromptTokens,
  GPT_4O_MINI_IMAGE_PART_TOKENS_MAX,
  IMAGE_PART_TOKENS_MAX,
  OPENAI_TOOLS_TOKENS_OVERHEAD,
} from "./count-prompt-tokens.ts";

const openAi = (model: string, messages: unknown, tools?: unknown) =>
  countPromptTokens({ provider: "openai", model, messages, tools });
const claude = (messages: unknown, tools?: unknown) =>
  countPromptTokens({ provider: "anthropic", model: "claude-sonnet-4", messages, tools });
const user = <Content>(content: Content) => [{ role: "user", content }];

const toolCalls = [
  { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
];
const tools = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Look up the weather for a city.",
      parameters: { type: "object", required: ["city"], properties: { city: { type: "string" } } },
    },
  },
];
const image = { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "high" } };

/** A conversation using every kind of message, and what the chat format sees of it. */
const conversation = [
  { role: "system", content: "You are a terse assistant." },
  { role: "user", name: "ada", content: "What's the weather in Paris?" },
  { role: "assistant", content: null, tool_calls: toolCalls },
  { role: "tool", tool_call_id: "call_1", content: '{"temperature_c":18}' },
  {
    role: "user",
    content: [{ type: "text", text: "Describe this picture." }, image, { type: "text", text: "Be brief." }],
  },
];
const conversationAsChat = [
  { role: "system", content: "You are a terse assistant." },
  { role: "user", content: "What's the weather in Paris?" },
  { role: "assistant", content: "" },
  { role: "tool", content: '{"temperature_c":18}' },
  { role: "user", content: "Describe this picture.\nBe brief." },
];

describe("OpenAI-family models are counted with their tokenizer", () => {
  test("a one-message chat is its encodeChat length: 3 framing tokens, the role, the text, 3 priming", async () => {
    const count = await openAi("gpt-4o", user("hi"));
    assert.deepEqual(count, { tokens: 8, tokensMin: 8, method: "tokenizer" });
    assert.equal(count.tokens, encodeChat(user("hi"), "gpt-4o").length);
  });

  test("a conversation adds names, tool calls, tool call ids and images to the chat's encodeChat length", async () => {
    const count = await openAi("gpt-4o", conversation);
    const chatTokens = encodeChat(conversationAsChat, "gpt-4o").length;
    const nameTokens = countTokens("ada") + 1;
    const toolCallTokens = countTokens(JSON.stringify(toolCalls)) + countTokens("call_1");
    assert.equal(count.tokensMin, chatTokens + nameTokens);
    assert.equal(count.tokens, chatTokens + nameTokens + toolCallTokens + IMAGE_PART_TOKENS_MAX);
    // Pinned, so a tokenizer upgrade that changes a count shows here: 48 + 2 + (29 + 3) + 5,000.
    assert.deepEqual(count, { tokens: 5_082, tokensMin: 50, method: "tokenizer" });
  });

  test("tools add their JSON's tokens and a fixed frame", async () => {
    const without = await openAi("gpt-4o", user("hi"));
    const withTools = await openAi("gpt-4o", user("hi"), tools);
    const toolsTokens = countTokens(JSON.stringify(tools)) + OPENAI_TOOLS_TOKENS_OVERHEAD;
    assert.equal(withTools.tokens - without.tokens, toolsTokens);
    assert.equal(withTools.tokensMin, without.tokensMin);
  });

  test("each model family gets its encoding, whichever way the model is named", async () => {
    const text = "The quick brown fox jumps over the lazy dog. 日本語のテキスト";
    const o200k = encodeChat(user(text), "gpt-4o").length;
    const cl100k = encodeChatCl100k(user(text), "gpt-4").length;
    assert.notEqual(o200k, cl100k);
    const cases: Array<[provider: string, model: string, tokens: number]> = [
      ["openai", "gpt-4o", o200k],
      ["openai", "gpt-4.1-mini", o200k],
      ["openai", "gpt-5", o200k],
      ["openai", "o3", o200k],
      ["openai", "chatgpt-4o-latest", o200k],
      ["openai", "ft:gpt-4o-mini-2024-07-18:acme::abc123", o200k],
      ["openrouter", "openai/gpt-4o", o200k],
      ["azure", "prod-chat-deployment", o200k],
      ["openai", "gpt-4", cl100k],
      ["openai", "gpt-4-turbo-2024-04-09", cl100k],
      ["openai", "gpt-3.5-turbo", cl100k],
      ["azure", "gpt-35-turbo", cl100k],
      ["openai", "text-embedding-3-small", cl100k],
      ["openrouter", "openai/text-embedding-ada-002", cl100k],
    ];
    for (const [provider, model, tokens] of cases) {
      const count = await countPromptTokens({ provider, model, messages: user(text) });
      assert.deepEqual([model, count.method, count.tokens], [model, "tokenizer", tokens]);
    }
  });

  test("gpt-oss is bounded by bytes: other providers serve it with their own templates", async () => {
    const count = await countPromptTokens({ provider: "groq", model: "openai/gpt-oss-120b", messages: user("hi") });
    assert.equal(count.method, "byte_bound");
  });

  test("special-token text is counted as plain text, as the API bills it", async () => {
    const text = "end <|endoftext|> and <|im_end|>";
    const count = await openAi("gpt-4o", user(text));
    assert.equal(count.tokens, encodeChat(user(text), "gpt-4o", { disallowedSpecial: new Set() }).length);
  });

  test("gpt-4o-mini images get its own, larger bound", async () => {
    const text = await openAi("gpt-4o-mini", user("hi"));
    const withImage = await openAi("gpt-4o-mini", user([{ type: "text", text: "hi" }, image]));
    assert.equal(withImage.tokens - text.tokens, GPT_4O_MINI_IMAGE_PART_TOKENS_MAX);
    assert.equal(withImage.tokensMin, text.tokensMin);
  });

  test("audio is bounded by its size: 3,000 bytes is at most 3 s at 8 kbit/s, at most 32 tokens a second", async () => {
    const audio = { type: "input_audio", input_audio: { data: "A".repeat(4_000), format: "mp3" } };
    const text = await openAi("gpt-4o-audio-preview", user("hi"));
    const withAudio = await openAi("gpt-4o-audio-preview", user([{ type: "text", text: "hi" }, audio]));
    assert.equal(withAudio.tokens - text.tokens, 96);
  });
});

describe("other models are bounded by UTF-8 bytes", () => {
  test("multi-byte text counts its bytes, not its characters", async () => {
    const count = await claude(user("héllo 世界")); // 8 characters, 13 bytes
    const expected = BYTE_BOUND_REQUEST_OVERHEAD_TOKENS + BYTE_BOUND_MESSAGE_OVERHEAD_TOKENS + "user".length + 13;
    assert.deepEqual(count, { tokens: expected, tokensMin: 0, method: "byte_bound" });
    assert.equal(expected, 89);
  });

  test("names, tool calls, tool call ids, images and tools all add to the bound", async () => {
    const count = await claude(conversation, tools);
    const bytes = [
      ...conversationAsChat.flatMap((message) => [message.role, message.content]),
      "ada",
      JSON.stringify(toolCalls),
      "call_1",
      JSON.stringify(tools),
    ].reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    const overhead = BYTE_BOUND_REQUEST_OVERHEAD_TOKENS + 5 * BYTE_BOUND_MESSAGE_OVERHEAD_TOKENS;
    assert.equal(count.tokens, overhead + bytes + BYTE_BOUND_TOOLS_OVERHEAD_TOKENS + IMAGE_PART_TOKENS_MAX);
  });

  test("the bound is never below the tokenizer's count of the same request", async () => {
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 120 }),
      fc.string({ unit: "grapheme", maxLength: 60 }),
      fc.constantFrom("", " ", "\n\n\n", "    indented", "<|endoftext|>", "héllo 世界", "👩‍👩‍👧‍👦", "aaaaaaaaaaaaaaaa"),
    );
    const message = fc.record(
      {
        role: fc.constantFrom("system", "developer", "user", "assistant", "tool"),
        content: fc.oneof(
          text,
          fc.array(
            fc.oneof(
              text.map((part) => ({ type: "text", text: part })),
              fc.constant(image),
            ),
          ),
        ),
        name: fc.string({ unit: "binary", maxLength: 20 }),
      },
      { requiredKeys: ["role", "content"] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 6 }), fc.boolean(), async (messages, withTools) => {
        const requestTools = withTools ? tools : undefined;
        const bound = await claude(messages, requestTools);
        for (const model of ["gpt-4o", "gpt-4"]) {
          const counted = await openAi(model, messages, requestTools);
          assert.ok(bound.tokens >= counted.tokens, `${model}: bound ${bound.tokens} < count ${counted.tokens}`);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("malformed messages are a RangeError naming the field", () => {
  const cases: Array<[messages: unknown, field: RegExp]> = [
    [undefined, /^messages must be an array/],
    [{ role: "user", content: "hi" }, /^messages must be an array/],
    [[], /^messages must contain at least one message/],
    [["hi"], /^messages\[0\] must be an object; got "hi"/],
    [[{ content: "hi" }], /^messages\[0\]\.role must be one of system, developer/],
    [[{ role: "robot", content: "hi" }], /^messages\[0\]\.role .*; got "robot"/],
    [
      [{ role: "user", content: 42 }],
      /^messages\[0\]\.content must be a string, an array of parts or null; got number/,
    ],
    [user(["hi"]), /^messages\[0\]\.content\[0\] must be an object/],
    [user([{ text: "hi" }]), /^messages\[0\]\.content\[0\]\.type must be text, image_url/],
    [user([{ type: "file", file: { file_id: "f" } }]), /^messages\[0\]\.content\[0\]\.type .*; got "file"/],
    [user([{ type: "text", text: 1 }]), /^messages\[0\]\.content\[0\]\.text must be a string; got number/],
    [
      user([{ type: "image_url", image_url: "https://x" }]),
      /^messages\[0\]\.content\[0\]\.image_url must be an object/,
    ],
    [user([{ type: "image_url", image_url: {} }]), /^messages\[0\]\.content\[0\]\.image_url\.url must be a string/],
    [user([{ type: "input_audio", input_audio: { format: "wav" } }]), /\.input_audio\.data must be a string/],
    [[{ role: "user", content: "hi", name: 7 }], /^messages\[0\]\.name must be a string; got number/],
    [
      [{ role: "tool", content: "x", tool_call_id: ["a"] }],
      /^messages\[0\]\.tool_call_id must be a string; got an array/,
    ],
    [[{ role: "assistant", tool_calls: {} }], /^messages\[0\]\.tool_calls must be an array/],
    [
      [{ role: "assistant", tool_calls: [{ function: { name: "f", arguments: {} } }] }],
      /^messages\[0\]\.tool_calls\[0\]\.function\.arguments must be a string; got object/,
    ],
  ];
  for (const [messages, field] of cases) {
    test(field.source.replace(/\\|\^/g, ""), async () => {
      await assert.rejects(openAi("gpt-4o", messages), (error: unknown) => {
        assert.ok(error instanceof RangeError);
        assert.match(error.message, field);
        return true;
      });
      await assert.rejects(claude(messages), RangeError);
    });
  }

  test("tools must be an array of objects", async () => {
    await assert.rejects(
      openAi("gpt-4o", user("hi"), { name: "f" }),
      /^RangeError: tools must be an array; got object/,
    );
    await assert.rejects(openAi("gpt-4o", user("hi"), ["f"]), /^RangeError: tools\[0\] must be an object; got "f"/);
  });
});
