import { anthropicErrorFormat } from "./anthropic-error.ts";
import { anthropicAnswerText, anthropicAnswerUsage, anthropicMessagesRequest } from "./anthropic-messages-request.ts";
import { AnthropicStreamReader } from "./anthropic-stream-reader.ts";
import type { PreparedCall, ProxyProtocol } from "./proxy-protocol.ts";

/**
 * Anthropic's Messages API (`POST /v1/messages`) as a proxy protocol: the hold is estimated
 * from `system`, `messages`, `tools` and `max_tokens` (which Anthropic requires), priced as
 * provider `anthropic`; the call is settled from Anthropic's usage (a stream's `message_start`
 * and `message_delta`), which reaches the client unchanged; refusals are in Anthropic's format.
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
        body:
          maxOutputTokens === undefined
            ? request.upstream.body
            : { ...request.upstream.body, max_tokens: maxOutputTokens },
      }),
      answerUsage: anthropicAnswerUsage,
      answerText: anthropicAnswerText,
      streamReader: () => new AnthropicStreamReader(),
    };
  },
};
