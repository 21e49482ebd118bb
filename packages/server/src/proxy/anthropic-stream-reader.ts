import { type AnthropicTokens, anthropicTokensOf, anthropicUsage } from "./anthropic-usage.ts";
import type { ProviderUsage } from "./provider-usage.ts";
import { sseData } from "./sse-events.ts";

/** What the relay does with one upstream event. */
export type AnthropicRelayedEvent =
  /** Sent to the client now. */
  | { kind: "forward"; text: string }
  /** `message_stop`: held back, sent after the settlement's comment. */
  | { kind: "final"; text: string };

/**
 * Reads one streamed Anthropic answer event by event: its usage, which Anthropic spreads over
 * two events (`message_start` carries the input and cache counts, `message_delta` the output so
 * far, cumulative), and the text generated, counted when the stream is cut before its usage.
 * Every event reaches the client unchanged: the usage is Anthropic's own, not one the proxy
 * asked for, so nothing is stripped.
 *
 * @example
 * const reader = new AnthropicStreamReader();
 * reader.read('event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":25}}}');
 * // { kind: "forward", … }; reader.started === true
 */
export class AnthropicStreamReader {
  #tokens: AnthropicTokens = {};
  #text = "";
  /** `message_start` came: the input and cache counts are the provider's. */
  started = false;
  /** `message_delta` came with usage: the output count is the provider's. */
  delivered = false;
  /** `message_stop` came: the answer is whole. */
  stopped = false;

  read(event: string): AnthropicRelayedEvent {
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
    }
    return { kind: "forward", text: event };
  }

  /** The text generated so far: text, tool inputs, thinking. */
  text(): string {
    return this.#text;
  }

  /**
   * What the stream consumed, from the provider's counts: all of them once `message_delta`
   * came; after `message_start` alone (a cut stream), its input and cache counts with the
   * output counted from the text (by `countTokens`), never below what was reported. Null
   * before `message_start`: the caller estimates the input too.
   */
  async usage(countTokens: (text: string) => Promise<number>): Promise<ProviderUsage | null> {
    if (!this.started && !this.delivered) return null;
    if (this.delivered) return anthropicUsage(this.#tokens);
    const counted = await countTokens(this.#text);
    return anthropicUsage({ ...this.#tokens, output_tokens: Math.max(this.#tokens.output_tokens ?? 0, counted) });
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
