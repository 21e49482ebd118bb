import { MAX_TOKENS_LIMIT } from "@tollgate/metering";
import { providerModel } from "./openai-chat-protocol.ts";
import { openAIErrorFormat } from "./openai-error.ts";
import { type ProviderUsage, providerUsageOf } from "./provider-usage.ts";
import { type BodyFault, checkedBody } from "./proxy-body.ts";
import type { PreparedCall, ProxyProtocol, RelayedEvent, StreamReader } from "./proxy-protocol.ts";
import { responsesPromptMessages } from "./responses-input.ts";
import { sseData } from "./sse-events.ts";

/** The least `max_output_tokens` OpenAI's Responses API accepts. */
export const RESPONSES_OUTPUT_TOKENS_MIN = 16;

/**
 * OpenAI's Responses API (`POST /responses`) as a proxy protocol: the hold is estimated from
 * `instructions`, `input`, `tools` and `max_output_tokens`; the call is settled from the
 * response's `usage` (in the `response.completed` event when streamed, which the Responses API
 * always sends, so nothing is added to the request or stripped from the answer). A stream cut
 * before that event is settled from the text its `….delta` events carried. A balance that
 * cannot pay for the output asked for lowers `max_output_tokens` (the flow's clamp), never
 * under the 16 the API accepts.
 *
 * `background: true` is refused: the answer comes later, from a poll this proxy does not meter,
 * so the call could not be settled from what it produced.
 */
export const openAIResponsesProtocol: ProxyProtocol = {
  error: openAIErrorFormat,
  prepare(input, { defaultProvider }): PreparedCall {
    const body = responsesBody(input);
    const { provider, model } = providerModel(body.model as string, defaultProvider);
    const maxTokens = body.max_output_tokens;
    return {
      provider,
      model,
      streaming: body.stream === true,
      hold: {
        messages: responsesPromptMessages(body),
        ...(body.tools === undefined ? {} : { tools: body.tools }),
        ...(maxTokens === undefined ? {} : { maxTokens }),
      },
      upstream: ({ maxOutputTokens }) => ({
        path: "/responses",
        body: maxOutputTokens === undefined ? body : { ...body, max_output_tokens: maxOutputTokens },
      }),
      // max_output_tokens bounds reasoning and output together, so lowering it bounds the cost.
      clampsOutput: true,
      outputTokensMin: RESPONSES_OUTPUT_TOKENS_MIN,
      answerUsage: (answer) => providerUsageOf((answer as { usage?: unknown } | undefined)?.usage),
      answerText: (answer) => outputText((answer as { output?: unknown } | undefined)?.output),
      streamReader: responsesStreamReader,
    };
  },
};

/** Reads a Responses stream: every event is the client's; the usage rides on the final response. */
function responsesStreamReader(): StreamReader {
  let text = "";
  let usage: ProviderUsage | null = null;
  const read = (event: string): RelayedEvent => {
    const data = sseData(event);
    let parsed: unknown;
    try {
      parsed = data === null ? undefined : JSON.parse(data);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== "object" || parsed === null) return { kind: "forward", text: event };
    const { type, delta, response } = parsed as { type?: unknown; delta?: unknown; response?: { usage?: unknown } };
    // Generated text of any kind (output, refusal, reasoning, tool arguments); not audio bytes.
    if (typeof type === "string" && type.endsWith(".delta") && type !== "response.audio.delta") {
      if (typeof delta === "string") text += delta;
    }
    // response.completed, and also response.incomplete and response.failed: each carries what was used.
    const reported = providerUsageOf(response?.usage);
    if (reported) usage = reported;
    return { kind: "forward", text: event };
  };
  return { read, usage: () => usage, text: () => text };
}

/** The generated text of a response's `output` items, for an answer that came without usage. */
function outputText(output: unknown): string {
  if (!Array.isArray(output)) return "";
  let text = "";
  const take = (value: unknown) => {
    if (typeof value === "string") text += value;
  };
  for (const item of output as Array<Record<string, unknown> | null>) {
    if (typeof item !== "object" || item === null) continue;
    take(item.name);
    take(item.arguments);
    for (const list of [item.content, item.summary]) {
      if (!Array.isArray(list)) continue;
      for (const part of list as Array<Record<string, unknown> | null>) {
        take(part?.text);
        take(part?.refusal);
      }
    }
  }
  return text;
}

/** The request body, checked only as far as the hold needs it; the upstream judges the rest. */
function responsesBody(body: unknown): Record<string, unknown> {
  return checkedBody(body, (record) => {
    const fields: BodyFault[] = [];
    if (record.stream !== undefined && record.stream !== null && typeof record.stream !== "boolean") {
      fields.push({ field: "stream", message: "expected a boolean" });
    }
    // Checked here so a bad one is named as the client sent it (the meter knows chat's names).
    const limit = record.max_output_tokens;
    if (limit !== undefined && limit !== null) {
      if (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit <= 0 || limit > MAX_TOKENS_LIMIT) {
        fields.push({ field: "max_output_tokens", message: `expected a positive integer up to ${MAX_TOKENS_LIMIT}` });
      }
    }
    const { tools } = record;
    if (tools !== undefined && tools !== null) {
      const objects = (item: unknown) => typeof item === "object" && item !== null && !Array.isArray(item);
      if (!Array.isArray(tools) || !tools.every(objects))
        fields.push({ field: "tools", message: "expected an array of tools" });
    }
    if (record.background === true) {
      fields.push({ field: "background", message: "not supported through the proxy: its answer could not be metered" });
    }
    return fields;
  });
}
