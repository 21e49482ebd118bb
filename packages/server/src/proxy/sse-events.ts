/**
 * Splits a server-sent event stream into whole events as bytes arrive: a chunk may end
 * mid-event or mid-character, so text is decoded in streaming mode and kept until its blank line.
 *
 * @example
 * const events = new SseEvents();
 * events.push(bytes); // ["data: {…}"] for each complete event
 */
export class SseEvents {
  readonly #decoder = new TextDecoder();
  #pending = "";

  /** The events completed by `bytes`, each without its terminating blank line. */
  push(bytes: Uint8Array): string[] {
    this.#pending += this.#decoder.decode(bytes, { stream: true }).replaceAll("\r\n", "\n");
    const parts = this.#pending.split("\n\n");
    this.#pending = parts.pop() ?? "";
    return parts.filter((part) => part.length > 0);
  }

  /** What is left when the stream ends: an event the upstream did not terminate, if any. */
  end(): string[] {
    const rest = (this.#pending + this.#decoder.decode()).trim();
    this.#pending = "";
    return rest.length > 0 ? [rest] : [];
  }
}

/** An event's data (its `data:` lines joined), or null for a comment or an event without data. */
export function sseData(event: string): string | null {
  const lines = event
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5));
  return lines.length > 0 ? lines.join("\n") : null;
}
