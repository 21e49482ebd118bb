import { openAIErrorFormat } from "./openai-error.ts";
import { providerUsageOf } from "./provider-usage.ts";
import { type BodyFault, checkedBody } from "./proxy-body.ts";
import type { PreparedCall, ProxyProtocol, RelayedEvent, StreamReader } from "./proxy-protocol.ts";
import { sseData } from "./sse-events.ts";
import { StreamedText } from "./streamed-tokens.ts";

/**
 * OpenAI's chat completions (`POST /chat/completions`) as a proxy protocol: the hold is
 * estimated from `messages`, `tools`, `n` and `max_completion_tokens ?? max_tokens`; a stream
 * is always sent with `stream_options.include_usage: true`, and the usage chunk is stripped
 * from what the client sees unless it asked for it.
 */
export const openAIChatProtocol: ProxyProtocol = {
  error: openAIErrorFormat,
  prepare(input, { defaultProvider }): PreparedCall {
    const body = chatBody(input);
    const { provider, model } = providerModel(body.model as string, defaultProvider);
    const streaming = body.stream === true;
    const streamOptions = (body.stream_options ?? {}) as Record<string, unknown>;
    const clientWantsUsage = streamOptions.include_usage === true;
    const maxTokens = body.max_completion_tokens ?? body.max_tokens;
    return {
      provider,
      model,
      streaming,
      hold: {
        messages: body.messages,
        ...(body.tools === undefined ? {} : { tools: body.tools }),
        ...(maxTokens === undefined ? {} : { maxTokens }),
        ...(body.n === undefined ? {} : { choiceCount: body.n }),
      },
      clampsOutput: true,
      upstream: ({ maxOutputTokens }) => ({
        path: "/chat/completions",
        body: {
          ...body,
          ...(maxOutputTokens === undefined ? {} : clampedLimit(body, maxOutputTokens)),
          // The provider's usage is what the call is settled from: always ask for it on a stream.
          ...(streaming ? { stream_options: { ...streamOptions, include_usage: true } } : {}),
        },
      }),
      answerUsage: (answer) => providerUsageOf((answer as { usage?: unknown } | undefined)?.usage),
      answerText: (answer) => {
        const text = new StreamedText();
        text.addMessages(answer);
        return text.text;
      },
      streamReader: () => chatStreamReader(clientWantsUsage),
    };
  },
};

/**
 * The request's own limit fields lowered: each of `max_completion_tokens` and `max_tokens` it
 * sent (both, if it sent both, so neither lets more through), else `max_tokens`.
 */
function clampedLimit(body: Record<string, unknown>, maxOutputTokens: number): Record<string, number> {
  const sent = (field: string) => body[field] !== undefined && body[field] !== null;
  const fields = ["max_completion_tokens", "max_tokens"].filter(sent);
  return Object.fromEntries((fields.length > 0 ? fields : ["max_tokens"]).map((field) => [field, maxOutputTokens]));
}

function chatStreamReader(clientWantsUsage: boolean): StreamReader {
  const streamed = new StreamedText();
  let usage: ReturnType<typeof providerUsageOf> = null;
  const read = (event: string): RelayedEvent => {
    const data = sseData(event);
    if (data === "[DONE]") return { kind: "final", text: event };
    let chunk: unknown;
    try {
      chunk = data === null ? undefined : JSON.parse(data);
    } catch {
      chunk = undefined;
    }
    if (typeof chunk !== "object" || chunk === null) return { kind: "forward", text: event };
    streamed.add(chunk);
    const reported = providerUsageOf((chunk as { usage?: unknown }).usage);
    if (reported) usage = reported;
    if (!reported || clientWantsUsage) return { kind: "forward", text: event };
    // Asked for by the proxy, not the client: the usage chunk (no choices) is not the client's to see.
    const { usage: _usage, ...rest } = chunk as Record<string, unknown>;
    const choices = (rest as { choices?: unknown }).choices;
    if (Array.isArray(choices) && choices.length > 0) return { kind: "forward", text: `data: ${JSON.stringify(rest)}` };
    return { kind: "drop" };
  };
  return { read, usage: () => usage, text: () => streamed.text };
}

/** The request body, checked only as far as the hold needs it; the upstream judges the rest. */
function chatBody(body: unknown): Record<string, unknown> {
  return checkedBody(body, (record) => {
    const fields: BodyFault[] = [];
    if (!Array.isArray(record.messages) || record.messages.length === 0) {
      fields.push({ field: "messages", message: "expected a non-empty array" });
    }
    if (record.stream !== undefined && typeof record.stream !== "boolean") {
      fields.push({ field: "stream", message: "expected a boolean" });
    }
    const options = record.stream_options;
    if (options !== undefined && options !== null && (typeof options !== "object" || Array.isArray(options))) {
      fields.push({ field: "stream_options", message: "expected an object" });
    }
    return fields;
  });
}

/**
 * `openai/gpt-4o-mini` (OpenRouter's form) is priced as provider openai; a bare id as the
 * default provider.
 *
 * @example
 * providerModel("anthropic/claude-sonnet-4", "openai") // { provider: "anthropic", model: "claude-sonnet-4" }
 */
export function providerModel(id: string, defaultProvider: string): { provider: string; model: string } {
  const slash = id.indexOf("/");
  if (slash <= 0 || slash === id.length - 1) return { provider: defaultProvider, model: id };
  return { provider: id.slice(0, slash), model: id.slice(slash + 1) };
}
