import type { Ledger } from "@tollgate/store";
import { chargeSummary } from "./charge-headers.ts";
import type { ProviderUsage } from "./provider-usage.ts";
import type { ProxiedCall } from "./proxied-call.ts";
import type { StreamReader } from "./proxy-protocol.ts";
import { SseEvents } from "./sse-events.ts";
import { countTokens } from "./streamed-tokens.ts";

const ENCODER = new TextEncoder();

/** What a relay needs: the upstream's body, the call's hold, and the protocol's reader of its events. */
export interface StreamRelayOptions {
  upstream: AsyncIterable<Uint8Array> & { destroy(error?: Error): unknown };
  call: ProxiedCall;
  ledger: Pick<Ledger, "units">;
  /** The protocol's reader: what each event is (relayed, held to the end, dropped) and the usage. */
  reader: StreamReader;
  /** After the client is gone, how many more bytes are read to reach the usage. */
  drainBytesMax: number;
  startedMs: number;
  nowMs: () => number;
  onError: (error: unknown) => void;
  /**
   * Told, once the stream has ended, everything it relayed (or would have, had the client
   * stayed), up to `transcriptBytesMax`; null past it. For an `Idempotency-Key` replay.
   */
  onTranscript?: (transcript: Uint8Array | null) => void;
  transcriptBytesMax?: number;
}

/**
 * The client's stream: the upstream's events passed through as they arrive, and the call
 * settled when the upstream ends, whether or not the client is still there. A client that
 * disconnects stops receiving, not the reading: the upstream is read on (up to
 * `drainBytesMax`) to its usage, so what was produced is charged; a stream that ends without
 * usage is settled from its counted tokens. The end marker (`[DONE]`, the reader's `final`
 * events) is sent after the settlement, preceded by an SSE comment
 * `: tollgate charged=… available=… unit=…` (clients ignore comments).
 */
export function relayStream(options: StreamRelayOptions): ReadableStream<Uint8Array> {
  let clientGone = false;
  let resume: (() => void) | null = null;
  const wake = () => {
    resume?.();
    resume = null;
  };
  const transcript = options.onTranscript ? new Transcript(options.transcriptBytesMax ?? 1_048_576) : null;
  const told = () => options.onTranscript?.(transcript?.bytes() ?? null);
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const send = async (text: string) => {
          const bytes = ENCODER.encode(text);
          transcript?.add(bytes);
          if (clientGone) return;
          try {
            controller.enqueue(bytes);
          } catch {
            clientGone = true;
            return;
          }
          // Backpressure: a slow client slows the reading instead of growing a buffer.
          if ((controller.desiredSize ?? 1) <= 0) await new Promise<void>((resolve) => (resume = resolve));
        };
        // The client may go between the check and the call: ending a cancelled stream throws,
        // and nothing is left to tell.
        const end = (finish: () => void) => {
          if (clientGone) return;
          try {
            finish();
          } catch {}
        };
        pump(options, send, () => clientGone).then(
          () => {
            told();
            end(() => controller.close());
          },
          (error) => {
            options.onError(error);
            told();
            end(() => controller.error(error));
          },
        );
      },
      pull: wake,
      cancel() {
        clientGone = true;
        wake();
      },
    },
    { highWaterMark: 16 },
  );
}

async function pump(
  options: StreamRelayOptions,
  send: (text: string) => Promise<void>,
  clientGone: () => boolean,
): Promise<void> {
  const { upstream, call, reader } = options;
  const events = new SseEvents();
  // The end marker is held back until the call is settled, so its charge can precede it.
  const finals: string[] = [];
  let drained = 0;
  const handle = async (event: string) => {
    const relayed = reader.read(event);
    if (relayed.kind === "forward") await send(`${relayed.text}\n\n`);
    else if (relayed.kind === "final") finals.push(relayed.text);
  };

  try {
    for await (const bytes of upstream) {
      if (clientGone()) {
        drained += bytes.length;
        if (drained > options.drainBytesMax) break;
      }
      for (const event of events.push(bytes)) await handle(event);
    }
    for (const event of events.end()) await handle(event);
  } catch {
    // A cut upstream: what arrived is charged below, from the provider's usage or the count.
  } finally {
    upstream.destroy();
  }
  const consumed: ProviderUsage = reader.usage() ?? (await partialUsage(reader, call));
  const outcome = await call.settle(consumed, options.nowMs() - options.startedMs);
  if (outcome) {
    const summary = chargeSummary(options.ledger, outcome);
    await send(`: tollgate charged=${summary.charged} available=${summary.available} unit=${summary.unit}\n\n`);
  }
  for (const text of finals) await send(`${text}\n\n`);
  const notice = finals.length === 0 ? reader.cutNotice?.() : null;
  if (notice) await send(`${notice}\n\n`);
}

/** A stream without the provider's whole usage: what it reported so far, else the prompt's estimate; the output counted. */
async function partialUsage(reader: StreamReader, call: ProxiedCall): Promise<ProviderUsage> {
  const outputTokens = await countTokens(reader.text());
  return reader.partialUsage?.(outputTokens) ?? { usage: { inputTokens: call.estimatedInputTokens, outputTokens } };
}

/** What a stream relayed, kept up to a bound: past it, nothing (a replay cannot be partial). */
class Transcript {
  readonly #chunks: Uint8Array[] = [];
  #size = 0;
  #over = false;

  constructor(private readonly bytesMax: number) {}

  add(bytes: Uint8Array): void {
    if (this.#over) return;
    this.#size += bytes.byteLength;
    if (this.#size > this.bytesMax) {
      this.#over = true;
      this.#chunks.length = 0;
      return;
    }
    this.#chunks.push(bytes);
  }

  bytes(): Uint8Array | null {
    return this.#over ? null : Buffer.concat(this.#chunks, this.#size);
  }
}
