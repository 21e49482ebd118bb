import type { Readable } from "node:stream";

/** How much of an answer is kept while nobody reads it yet (the hold is still being placed). */
const BUFFERED_BYTES_MAX = 1_048_576;

/**
 * An upstream answer's body, read from the moment it arrives: the upstream request runs while
 * the hold is placed, so its answer may come, and even break off, before anyone reads it. A
 * Node stream that fails drops what it had buffered (and an error with no listener crashes
 * the process); this keeps every byte that came, then the end or the failure, in order. Past
 * `bufferedBytesMax` unread, the upstream is paused (backpressure), not buffered without limit.
 *
 * @example
 * const body = new UpstreamBody(answer.body);
 * for await (const bytes of body) relay(bytes); // throws, after the last byte, if the upstream broke off
 */
export class UpstreamBody implements AsyncIterable<Uint8Array> {
  readonly #source: Readable;
  readonly #bufferedBytesMax: number;
  readonly #chunks: Uint8Array[] = [];
  #bufferedBytes = 0;
  #ended = false;
  #failure: { error: unknown } | null = null;
  #wake: (() => void) | null = null;

  constructor(source: Readable, options: { bufferedBytesMax?: number } = {}) {
    this.#source = source;
    this.#bufferedBytesMax = options.bufferedBytesMax ?? BUFFERED_BYTES_MAX;
    source.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      this.#bufferedBytes += chunk.byteLength;
      if (this.#bufferedBytes >= this.#bufferedBytesMax) source.pause();
      this.#notify();
    });
    source.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    source.on("error", (error: unknown) => {
      this.#failure ??= { error };
      this.#notify();
    });
    // Destroyed without an error (by `destroy()`): nothing more comes.
    source.on("close", () => {
      this.#ended = true;
      this.#notify();
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk) {
        this.#bufferedBytes -= chunk.byteLength;
        if (this.#source.isPaused() && this.#bufferedBytes < this.#bufferedBytesMax) this.#source.resume();
        yield chunk;
        continue;
      }
      if (this.#failure) throw this.#failure.error;
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** The whole body as text; throws if the upstream broke off. */
  async text(): Promise<string> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this) chunks.push(chunk);
    return Buffer.concat(chunks).toString("utf8");
  }

  /**
   * Stops reading: the upstream's connection is closed. With an error (a stream cut for running
   * too long), the reading fails with it after the bytes that already came.
   */
  destroy(error?: Error): void {
    this.#source.destroy(error);
  }

  /** The upstream's connection is closed (ended, failed or destroyed). */
  get destroyed(): boolean {
    return this.#source.destroyed;
  }

  /** Once the upstream's connection is closed, however it ended. */
  once(event: "close", listener: () => void): void {
    this.#source.once(event, listener);
  }

  #notify(): void {
    this.#wake?.();
    this.#wake = null;
  }
}
