import { anthropicErrorFormat } from "./anthropic-error.ts";
import { anthropicAnswerText, anthropicAnswerUsage, anthropicMessagesRequest } from "./anthropic-messages-request.ts";
import { AnthropicStreamReader } from "./anthropic-stream-reader.ts";
import type { PreparedCall, ProxyProtocol } from "./proxy-protocol.ts";

/**
 * Anthropic's Messages API (`POST /v1/messages`) as a proxy protocol: the hold is estimated
 * from `system`, `messages`, `tools` and `max_tokens` (which Anthropic requires), priced as
 * provider `anthropic`; the call is settled from Anthropic's usage (a stream's `message_start`
 * and `message_delta`), which reaches the client unchanged; refusals are in Anthropic's format.
 * `max_tokens` is lowered to what the balance pays for when it cannot pay for the whole.
 *
 * @example
 * app.post("/anthropic/v1/messages", proxyRoute(anthropicMessagesProtocol, { deps, target: anthropicTarget(config) }));
 */
export const anthropicMessagesProtocol: ProxyProtocol = {
  error: anthropicErrorFormat,
  prepare(input, { headers }): PreparedCall {
    const request = anthropicMessagesRequest(input, headers);
    return {
      provider: "anthropic",
      model: request.model,
      streaming: request.streaming,
      hold: request.hold,
      upstream: ({ maxOutputTokens }) => ({
        ...request.upstream,
        body: maxOutputTokens === undefined ? request.upstream.body : clamped(request.upstream.body, maxOutputTokens),
      }),
      clampsOutput: true,
      answerUsage: anthropicAnswerUsage,
      answerText: anthropicAnswerText,
      streamReader: () => new AnthropicStreamReader(),
    };
  },
};

/**
 * The body with `max_tokens` lowered to what the balance pays for. Extended thinking's
 * `budget_tokens` must stay below `max_tokens`, so it is lowered with it; below Anthropic's
 * minimum budget (1,024) Anthropic refuses the call (400, passed on, nothing charged) rather than
 * Tollgate guessing whether to drop the thinking.
 */
function clamped(body: Record<string, unknown>, maxOutputTokens: number): Record<string, unknown> {
  const thinking = body.thinking as { type?: unknown; budget_tokens?: unknown } | null | undefined;
  const budget = thinking?.type === "enabled" ? thinking.budget_tokens : undefined;
  if (typeof budget !== "number" || budget < maxOutputTokens) return { ...body, max_tokens: maxOutputTokens };
  return { ...body, max_tokens: maxOutputTokens, thinking: { ...thinking, budget_tokens: maxOutputTokens - 1 } };
}
