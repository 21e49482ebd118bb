// A Responses API request's prompt as the chat messages the meter counts: every kind of input
// item becomes something the hold covers, and a malformed one is refused naming it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { countPromptTokens } from "@tollgate/metering";
import { ApiError } from "../http/api-error.ts";
import { responsesPromptMessages } from "./responses-input.ts";

describe("responsesPromptMessages", () => {
  test("instructions are a system message; a string input one user message", () => {
    assert.deepEqual(responsesPromptMessages({ instructions: "Be brief.", input: "Hi" }), [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
    ]);
  });

  test("messages, images, audio, function calls and their outputs become chat messages the meter counts", async () => {
    const file = { type: "input_file", filename: "toll.pdf", file_data: "data:application/pdf;base64,JVBERi0=" };
    const messages = responsesPromptMessages({
      input: [
        { role: "developer", content: "Use tools." },
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "What is this?" },
            { type: "input_image", image_url: "https://example.com/a.png", detail: "auto" },
            { type: "input_audio", input_audio: { data: "AAAA", format: "mp3" } },
            file,
          ],
        },
        { role: "assistant", content: [{ type: "output_text", text: "Calling.", annotations: [] }] },
        { type: "function_call", call_id: "call_1", name: "pay", arguments: '{"cents":5}' },
        { type: "function_call_output", call_id: "call_1", output: "paid" },
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Thinking." }] },
      ],
    });
    assert.deepEqual(messages[1]?.content, [
      { type: "text", text: "What is this?" },
      { type: "image_url", image_url: { url: "https://example.com/a.png" } },
      { type: "input_audio", input_audio: { data: "AAAA", format: "mp3" } },
      { type: "text", text: JSON.stringify(file) },
    ]);
    assert.deepEqual(messages[3], {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "pay", arguments: '{"cents":5}' } }],
    });
    assert.deepEqual(messages[4], { role: "tool", tool_call_id: "call_1", content: "paid" });
    assert.equal(messages[5]?.role, "user", "an item of another kind is counted as its JSON");
    const count = await countPromptTokens({ provider: "openai", model: "gpt-4o", messages });
    assert.ok(count.tokens > 0);
  });

  test("a malformed input is invalid_request naming the item", () => {
    const rows: Array<[unknown, string]> = [
      [undefined, "input"],
      [[], "input"],
      [[null], "input[0]"],
      [[{ role: "robot", content: "x" }], "input[0].role"],
      [[{ role: "user", content: [{ type: "input_text", text: 1 }] }], "input[0].content[0].text"],
      [[{ type: "function_call", name: "pay" }], "input[0]"],
    ];
    for (const [input, field] of rows) {
      assert.throws(
        () => responsesPromptMessages({ input }),
        (error: unknown) =>
          error instanceof ApiError &&
          error.code === "invalid_request" &&
          (error.details as { fields: Array<{ field: string }> }).fields[0]?.field === field,
        field,
      );
    }
    assert.throws(() => responsesPromptMessages({ instructions: 3, input: "x" }), ApiError);
  });
});
