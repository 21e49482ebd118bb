import { anthropicErrorEvent } from "./anthropic-error.ts";
import { type AnthropicTokens, anthropicTokensOf, anthropicUsage } from "./anthropic-usage.ts";
import type { ProviderUsage } from "./provider-usage.ts";
import type { RelayedEvent, StreamReader } from "./proxy-protocol.ts";
import { sseData } from "./sse-events.ts";

/**
 * Reads one streamed Anthropic answer event by event: its usage, which Anthropic spreads over
 * two events (`message_start` carries the input and cache counts, `message_delta` the output so
 * far, cumulative), and the text generated, counted when the stream is cut before its usage.
 * Every event reaches the client unchanged: the usage is Anthropic's own, not one the proxy
 * asked for, so nothing is stripped. `message_stop` is held back until the settlement, and a
 * stream cut before it ends with an `event: error` (as Anthropic reports a failure mid-stream),
 * so the client raises an `APIError` rather than keep a truncated answer as whole.
 *
 * @example
 * const reader = new AnthropicStreamReader();
 * reader.read('event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":25}}}');
 * // { kind: "forward", … }; reader.started === true
 */
export class AnthropicStreamReader implements StreamReader {
  #tokens: AnthropicTokens = {};
  #text = "";
  /** `message_start` came: the input and cache counts are the provider's. */
  started = false;
  /** `message_delta` came with usage: the output count is the provider's. */
  delivered = false;
  /** `message_stop` came: the answer is whole. */
  stopped = false;
  /** The upstream sent its own `event: error`: the client has been told. */
  failed = false;

  read(event: string): RelayedEvent {
    const data = sseData(event);
    const payload = data === null ? null : parse(data);
    switch (payload?.type) {
      case "message_start":
        this.#take((payload.message as { usage?: unknown } | undefined)?.usage);
        this.started = true;
        break;
      case "content_block_start":
        this.#takeText(payload.content_block);
        break;
      case "content_block_delta":
        this.#takeText(payload.delta);
        break;
      case "message_delta":
        if (this.#take(payload.usage)) this.delivered = true;
        break;
      case "message_stop":
        this.stopped = true;
        return { kind: "final", text: event };
      case "error":
        this.failed = true;
        break;
    }
    return { kind: "forward", text: event };
  }

  /** The text generated so far: text, tool inputs, thinking. */
  text(): string {
    return this.#text;
  }

  /** All of the provider's counts, once `message_delta` came; else null (see `partialUsage`). */
  usage(): ProviderUsage | null {
    return this.delivered ? anthropicUsage(this.#tokens) : null;
  }

  /**
   * A stream cut after `message_start`: its input and cache counts, with the output counted from
   * the text, never below what was reported. Null before `message_start`: the caller estimates
   * the input too.
   */
  partialUsage(countedOutputTokens: number): ProviderUsage | null {
    if (!this.started) return null;
    const outputTokens = Math.max(this.#tokens.output_tokens ?? 0, countedOutputTokens);
    return anthropicUsage({ ...this.#tokens, output_tokens: outputTokens });
  }

  /** The error event a cut stream ends with; none after `message_stop` or the upstream's own error. */
  cutNotice(): string | null {
    if (this.stopped || this.failed) return null;
    return anthropicErrorEvent(
      "api_error",
      "The upstream's stream was cut before its end; what it produced was charged.",
    );
  }

  #take(usage: unknown): boolean {
    const tokens = anthropicTokensOf(usage);
    if (tokens) this.#tokens = { ...this.#tokens, ...tokens };
    return tokens?.output_tokens !== undefined;
  }

  #takeText(part: unknown): void {
    if (typeof part !== "object" || part === null) return;
    const record = part as Record<string, unknown>;
    for (const field of ["text", "partial_json", "thinking", "name"]) {
      const text = record[field];
      if (typeof text === "string") this.#text += text;
    }
  }
}

function parse(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
