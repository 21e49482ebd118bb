import { holdMessages } from "./anthropic-hold-messages.ts";
import { anthropicTokensOf, anthropicUsage } from "./anthropic-usage.ts";
import type { ProviderUsage } from "./provider-usage.ts";
import { type BodyFault, checkedBody } from "./proxy-body.ts";

/**
 * The API version sent upstream when the client sends none: the Messages API's first, which
 * Anthropic still serves. A client's own `anthropic-version` is passed on as sent.
 */
export const DEFAULT_ANTHROPIC_VERSION = "2023-06-01";

/** Client headers passed on to Anthropic: they choose the protocol, not who pays. */
const PASSED_HEADERS = ["anthropic-version", "anthropic-beta"] as const;

/** One checked `POST /v1/messages` request, as the proxy holds and forwards it. */
export interface AnthropicMessagesRequest {
  model: string;
  streaming: boolean;
  /** What the hold is estimated from: the prompt in the meter's chat form, the tools, `max_tokens`. */
  hold: { messages: unknown[]; tools?: unknown; maxTokens: number };
  /** The body and protocol headers sent upstream to `/v1/messages`. */
  upstream: { path: "/v1/messages"; body: Record<string, unknown>; headers: Record<string, string> };
}

/**
 * Checks an Anthropic Messages body as far as the hold needs it (the upstream judges the rest):
 * `model`, a non-empty `messages` of `user`/`assistant` turns with string or block content,
 * `max_tokens` (required by Anthropic, and the output the hold covers), `stream`, `system` and
 * `tools`. A bad body is `ApiError("invalid_request")` naming every field at fault; nothing is
 * held or sent. Claude models are priced as provider `anthropic`.
 *
 * @example
 * anthropicMessagesRequest({ model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content: "Hi" }] }, new Headers())
 * // { model: "claude-sonnet-4-5", streaming: false, hold: { maxTokens: 1024, … }, upstream: { path: "/v1/messages", … } }
 */
export function anthropicMessagesRequest(body: unknown, headers: Headers): AnthropicMessagesRequest {
  const record = checkedBody(body, bodyFaults);
  const forwardedHeaders: Record<string, string> = { "anthropic-version": DEFAULT_ANTHROPIC_VERSION };
  for (const name of PASSED_HEADERS) {
    const value = headers.get(name);
    if (value) forwardedHeaders[name] = value;
  }
  return {
    model: record.model as string,
    streaming: record.stream === true,
    hold: {
      messages: holdMessages({ system: record.system, messages: record.messages as unknown[] }),
      ...(record.tools === undefined ? {} : { tools: record.tools }),
      maxTokens: record.max_tokens as number,
    },
    upstream: { path: "/v1/messages", body: record, headers: forwardedHeaders },
  };
}

/** A non-streamed Message's usage, from Anthropic's counts; null when it has none (count instead). */
export function anthropicAnswerUsage(answer: unknown): ProviderUsage | null {
  const tokens = anthropicTokensOf((answer as { usage?: unknown } | null | undefined)?.usage);
  return tokens ? anthropicUsage(tokens) : null;
}

/** A non-streamed Message's generated text (text, tool inputs, thinking), counted when it carries no usage. */
export function anthropicAnswerText(answer: unknown): string {
  const content = (answer as { content?: unknown } | null | undefined)?.content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const block of content as Array<Record<string, unknown> | null>) {
    if (typeof block?.text === "string") text += block.text;
    if (typeof block?.thinking === "string") text += block.thinking;
    if (block?.type === "tool_use") text += `${String(block.name)}${JSON.stringify(block.input ?? {})}`;
  }
  return text;
}

function bodyFaults(record: Record<string, unknown>): BodyFault[] {
  const fields: BodyFault[] = [];
  const { max_tokens: maxTokens } = record;
  if (typeof maxTokens !== "number" || !Number.isSafeInteger(maxTokens) || maxTokens < 1) {
    fields.push({ field: "max_tokens", message: "expected a positive integer (Anthropic requires it)" });
  }
  if (!Array.isArray(record.messages) || record.messages.length === 0) {
    fields.push({ field: "messages", message: "expected a non-empty array" });
  } else {
    record.messages.forEach((message: unknown, index) => {
      const fault = messageFault(message);
      if (fault) fields.push({ field: `messages[${index}]`, message: fault });
    });
  }
  if (record.stream !== undefined && typeof record.stream !== "boolean") {
    fields.push({ field: "stream", message: "expected a boolean" });
  }
  const { system } = record;
  if (system !== undefined && typeof system !== "string" && !isBlockArray(system)) {
    fields.push({ field: "system", message: "expected a string or an array of content blocks" });
  }
  if (record.tools !== undefined && !isBlockArray(record.tools, "name")) {
    fields.push({ field: "tools", message: "expected an array of tools" });
  }
  return fields;
}

function messageFault(message: unknown): string | null {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return "expected an object";
  const { role, content } = message as Record<string, unknown>;
  if (role !== "user" && role !== "assistant") return 'role: expected "user" or "assistant"';
  if (typeof content !== "string" && !isBlockArray(content)) return "content: expected a string or content blocks";
  return null;
}

/** An array of objects, each with a string `type` (or the field given: a tool's `name`). */
function isBlockArray(value: unknown, key = "type"): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      (item: unknown) =>
        typeof item === "object" &&
        item !== null &&
        !Array.isArray(item) &&
        typeof (item as Record<string, unknown>)[key] === "string",
    )
  );
}
