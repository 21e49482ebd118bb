import type { ModelCallInput } from "@tollgate/metering";
import type { ProviderUsage } from "./provider-usage.ts";
import type { ProxyErrorFormat } from "./proxy-error.ts";

/**
 * What one provider protocol (OpenAI chat completions, OpenAI responses, embeddings, Anthropic
 * messages) supplies to the shared flow (`proxyCall`): everything else (authentication, the
 * plan, the hold, the upstream request, relaying, settling, the charge headers) is the flow's.
 *
 * @example
 * const route = proxyRoute(openAIChatProtocol, { deps, target: openAITarget(config) });
 * app.post("/openai/v1/chat/completions", route);
 */
export interface ProxyProtocol {
  /** How a refusal is answered in this provider's error format. */
  readonly error: ProxyErrorFormat;
  /**
   * Checks the parsed JSON body, only as far as the hold needs it (the upstream judges the
   * rest), and describes the call. A bad body throws `ApiError("invalid_request", …)` with
   * `fields`; nothing is held or sent.
   */
  prepare(body: unknown, context: PrepareContext): PreparedCall;
}

export interface PrepareContext {
  /** The client's request headers (for protocol headers such as `anthropic-version`). */
  headers: Headers;
  /** The provider a model id without `provider/` is priced as. */
  defaultProvider: string;
}

/** What the hold is estimated from: `meter.authorizeCall`'s request fields. */
export type HoldRequest = Pick<ModelCallInput, "messages" | "tools" | "maxTokens" | "choiceCount" | "generatesOutput">;

/** One checked request, as the flow needs it. */
export interface PreparedCall {
  /** Priced as this provider's model (`provider/model` split, or the default provider). */
  provider: string;
  model: string;
  /** An SSE stream is asked for: the answer is relayed through `streamReader()`. */
  streaming: boolean;
  hold: HoldRequest;
  /**
   * The request sent upstream: its path under the target's base URL (`/chat/completions`),
   * its JSON body (with whatever the protocol adds, such as `stream_options.include_usage`)
   * and any protocol headers. `maxOutputTokens`, when set, is the most output the balance pays
   * for: the protocol lowers its own limit field (`max_tokens`, `max_completion_tokens`,
   * `max_output_tokens`) to it.
   */
  upstream(options: { maxOutputTokens?: number }): UpstreamRequest;
  /**
   * The upstream request honours `maxOutputTokens`, so the flow may lower the output to what the
   * balance pays for (`TOLLGATE_PROXY_CLAMP_MAX_TOKENS`) instead of refusing the call. Absent
   * (embeddings: no output to lower): a call the balance cannot pay for in full is refused.
   */
  clampsOutput?: boolean;
  /**
   * The least output limit the upstream accepts (OpenAI's Responses API refuses
   * `max_output_tokens` under 16): a balance that pays for less is refused 402, as without the
   * clamp, rather than sent a limit the upstream would refuse. Default 1.
   */
  outputTokensMin?: number;
  /** A non-streamed answer's usage (parsed JSON, `undefined` if it was not JSON); null: count instead. */
  answerUsage(answer: unknown): ProviderUsage | null;
  /** A non-streamed answer's generated text, counted when it carries no usage. */
  answerText(answer: unknown): string;
  /** A fresh reader for one streamed answer's events. */
  streamReader(): StreamReader;
}

export interface UpstreamRequest {
  path: string;
  body: unknown;
  headers?: Record<string, string>;
}

/** What the relay does with one upstream event. */
export type RelayedEvent =
  /** Sent to the client now (the event's text without its terminating blank line). */
  | { kind: "forward"; text: string }
  /** The stream's end marker (`data: [DONE]`, `message_stop`): sent after the settlement's comment. */
  | { kind: "final"; text: string }
  /** Not the client's to see (a usage chunk the proxy asked for). */
  | { kind: "drop" };

/**
 * Reads one streamed answer, event by event: what to relay, the usage the provider reported,
 * and the text generated so far (counted when the stream ends without usage).
 */
export interface StreamReader {
  /** One SSE event (its lines, without the blank line that ended it). */
  read(event: string): RelayedEvent;
  /** The usage reported so far (Anthropic spreads it over two events); null: none yet. */
  usage(): ProviderUsage | null;
  /** The text generated so far. */
  text(): string;
  /**
   * For a stream that ended before `usage()` was whole: the provider's counts so far completed
   * with the output counted from `text()` (Anthropic's `message_start` carries the input; its
   * output comes last). Absent or null: the prompt's estimate and the counted output.
   */
  partialUsage?(countedOutputTokens: number): ProviderUsage | null;
  /**
   * For a stream that ended without its end marker (no `final` event): an event sent last, after
   * the settlement's comment, so the client learns it was cut (Anthropic's `event: error`).
   */
  cutNotice?(): string | null;
}
