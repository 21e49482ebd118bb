import { ApiError } from "../http/api-error.ts";

/** A chat message, as the meter counts a prompt (OpenAI chat format). */
export type ChatMessage = Record<string, unknown> & { role: string };

/** Most input items a request may carry: a limit on the work, far above any real conversation. */
export const INPUT_ITEMS_MAX = 10_000;

const MESSAGE_ROLES = new Set(["user", "assistant", "system", "developer"]);

/**
 * A Responses API request's `instructions` and `input` as the chat messages its prompt is
 * counted from, so the hold covers it: `instructions` is a system message; `input` is a string
 * (one user message) or a list of items. Message items keep their role and text; images and
 * audio become the chat parts whose bounds the meter knows; a function call is an assistant
 * tool call and its output a tool message. Anything else the prompt carries (files, reasoning
 * items, references, items this proxy does not know yet) is counted as its JSON text: an
 * upper-leaning measure, since the model reads no more than what the item says.
 *
 * A malformed `input` is `invalid_request` naming the item (`input[2].content`); nothing is held.
 *
 * @example
 * responsesPromptMessages({ instructions: "Be brief.", input: "Hi" })
 * // [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }]
 */
export function responsesPromptMessages(body: { instructions?: unknown; input?: unknown }): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (typeof body.instructions === "string" && body.instructions.length > 0) {
    messages.push({ role: "system", content: body.instructions });
  } else if (body.instructions !== undefined && body.instructions !== null && typeof body.instructions !== "string") {
    throw invalid("instructions", "expected a string");
  }
  const { input } = body;
  if (typeof input === "string") {
    messages.push({ role: "user", content: input });
    return messages;
  }
  if (!Array.isArray(input) || input.length === 0) throw invalid("input", "expected a string or a non-empty array");
  if (input.length > INPUT_ITEMS_MAX) throw invalid("input", `at most ${INPUT_ITEMS_MAX} items`);
  for (const [index, item] of input.entries()) messages.push(itemMessage(item, `input[${index}]`));
  return messages;
}

function itemMessage(item: unknown, path: string): ChatMessage {
  if (typeof item !== "object" || item === null || Array.isArray(item)) throw invalid(path, "expected an object");
  const record = item as Record<string, unknown>;
  const type = record.type ?? "message";
  if (type === "message") {
    if (typeof record.role !== "string" || !MESSAGE_ROLES.has(record.role)) {
      throw invalid(`${path}.role`, "expected user, assistant, system or developer");
    }
    return { role: record.role, content: messageContent(record.content, `${path}.content`) };
  }
  if (type === "function_call") {
    const { call_id: id, name, arguments: args } = record;
    if (typeof name !== "string" || typeof args !== "string") {
      throw invalid(path, "a function_call needs a name and arguments (strings)");
    }
    const toolCall = { id: typeof id === "string" ? id : "", type: "function", function: { name, arguments: args } };
    return { role: "assistant", content: null, tool_calls: [toolCall] };
  }
  if (type === "function_call_output") {
    const output = typeof record.output === "string" ? record.output : JSON.stringify(record.output ?? "");
    const id = typeof record.call_id === "string" ? record.call_id : "";
    return { role: "tool", tool_call_id: id, content: output };
  }
  return { role: "user", content: JSON.stringify(record) };
}

/** A message item's content as chat content: a string, or parts the meter knows how to bound. */
function messageContent(content: unknown, path: string): string | Array<Record<string, unknown>> {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw invalid(path, "expected a string or an array of parts");
  return content.map((part: unknown, index) => {
    const partPath = `${path}[${index}]`;
    if (typeof part !== "object" || part === null || Array.isArray(part)) throw invalid(partPath, "expected an object");
    const record = part as Record<string, unknown>;
    if (record.type === "input_text" || record.type === "output_text") {
      if (typeof record.text !== "string") throw invalid(`${partPath}.text`, "expected a string");
      return { type: "text", text: record.text };
    }
    if (record.type === "refusal" && typeof record.refusal === "string") {
      return { type: "refusal", refusal: record.refusal };
    }
    if (record.type === "input_image") {
      const url = typeof record.image_url === "string" ? record.image_url : String(record.file_id ?? "");
      return { type: "image_url", image_url: { url } };
    }
    if (record.type === "input_audio") {
      const audio = record.input_audio as { data?: unknown; format?: unknown } | undefined;
      if (typeof audio?.data !== "string" || typeof audio.format !== "string") {
        throw invalid(`${partPath}.input_audio`, "expected data and format (strings)");
      }
      return { type: "input_audio", input_audio: { data: audio.data, format: audio.format } };
    }
    // A file (its text, or its bytes in base64) or a part not known here: counted as written.
    return { type: "text", text: JSON.stringify(record) };
  });
}

function invalid(field: string, message: string): ApiError {
  return new ApiError("invalid_request", `${field}: ${message}`, { fields: [{ field, message }] });
}
