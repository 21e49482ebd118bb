// The Responses protocol's pure parts: what goes upstream (the output limit lowered when the
// balance pays for less), and the usage and generated text read from an answer or its events.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openAIResponsesProtocol } from "./openai-responses-protocol.ts";

const prepare = (body: Record<string, unknown>) =>
  openAIResponsesProtocol.prepare(body, { headers: new Headers(), defaultProvider: "openai" });
const event = (type: string, data: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}`;

describe("openAIResponsesProtocol", () => {
  test("is held from instructions, input, tools and max_output_tokens, and sent as it came", () => {
    const body = { model: "gpt-4.1-mini", instructions: "Brief.", input: "Hi", max_output_tokens: 300, tools: [] };
    const call = prepare(body);
    assert.deepEqual([call.provider, call.model, call.streaming], ["openai", "gpt-4.1-mini", false]);
    assert.deepEqual(call.hold, {
      messages: [
        { role: "system", content: "Brief." },
        { role: "user", content: "Hi" },
      ],
      tools: [],
      maxTokens: 300,
    });
    assert.deepEqual(call.upstream({}), { path: "/responses", body });
    assert.equal(
      (call.upstream({ maxOutputTokens: 120 }).body as { max_output_tokens: number }).max_output_tokens,
      120,
    );
  });

  test("a stream's events all pass; its usage comes from the final response, its text from the deltas", () => {
    const reader = prepare({ model: "gpt-4o", input: "Hi", stream: true }).streamReader();
    const events = [
      event("response.created", { response: { usage: null } }),
      event("response.output_text.delta", { delta: "Hel" }),
      event("response.reasoning_summary_text.delta", { delta: "think" }),
      event("response.function_call_arguments.delta", { delta: '{"a":1}' }),
      event("response.audio.delta", { delta: "UklGRiQAAABXQVZF" }),
      ": keep-alive",
    ];
    for (const text of events) assert.deepEqual(reader.read(text), { kind: "forward", text });
    assert.equal(reader.usage(), null, "none before response.completed");
    assert.equal(reader.text(), 'Helthink{"a":1}', "audio bytes are not text");
    const usage = { input_tokens: 9, output_tokens: 4, output_tokens_details: { reasoning_tokens: 1 }, cost: 0.002 };
    reader.read(event("response.completed", { response: { usage } }));
    assert.deepEqual(reader.usage(), {
      usage: { inputTokens: 9, outputTokens: 4, reasoningTokens: 1 },
      costUsd: "0.002",
    });
  });

  test("an answer's usage, or its output's text when it has none", () => {
    const call = prepare({ model: "gpt-4o", input: "Hi" });
    assert.deepEqual(call.answerUsage({ usage: { input_tokens: 3, output_tokens: 2 } }), {
      usage: { inputTokens: 3, outputTokens: 2 },
    });
    assert.equal(call.answerUsage({ output: [] }), null);
    const output = [
      { type: "reasoning", summary: [{ type: "summary_text", text: "Plan. " }] },
      { type: "function_call", name: "pay", arguments: "{}" },
      {
        type: "message",
        content: [
          { type: "output_text", text: "Done." },
          { type: "refusal", refusal: " No." },
        ],
      },
    ];
    assert.equal(call.answerText({ output }), "Plan. pay{}Done. No.");
    assert.equal(call.answerText(undefined), "");
  });
});
