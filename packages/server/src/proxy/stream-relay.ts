import type { Ledger } from "@tollgate/store";
import { chargeSummary } from "./charge-headers.ts";
import { type ProviderUsage, providerUsageOf } from "./provider-usage.ts";
import type { ProxiedCall } from "./proxied-call.ts";
import { SseEvents, sseData } from "./sse-events.ts";
import { StreamedText } from "./streamed-tokens.ts";

const ENCODER = new TextEncoder();

/** What a relay needs: the upstream's body, the call's hold, and whether the client asked for usage. */
export interface StreamRelayOptions {
  upstream: AsyncIterable<Uint8Array> & { destroy(error?: Error): unknown };
  call: ProxiedCall;
  ledger: Pick<Ledger, "units">;
  /** The client sent `stream_options.include_usage: true`: it sees the usage chunk; else it is stripped. */
  clientWantsUsage: boolean;
  /** After the client is gone, how many more bytes are read to reach the usage. */
  drainBytesMax: number;
  startedMs: number;
  nowMs: () => number;
  onError: (error: unknown) => void;
}

/**
 * The client's stream: the upstream's events passed through as they arrive, and the call
 * settled when the upstream ends, whether or not the client is still there. A client that
 * disconnects stops receiving, not the reading: the upstream is read on (up to
 * `drainBytesMax`) to its usage, so what was produced is charged; a stream that ends without
 * usage is settled from its counted tokens. The `[DONE]` event is sent after the settlement,
 * preceded by an SSE comment `: tollgate charged=… available=… unit=…` (clients ignore comments).
 */
export function relayStream(options: StreamRelayOptions): ReadableStream<Uint8Array> {
  let clientGone = false;
  let resume: (() => void) | null = null;
  const wake = () => {
    resume?.();
    resume = null;
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const send = async (text: string) => {
          if (clientGone) return;
          try {
            controller.enqueue(ENCODER.encode(text));
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
          () => end(() => controller.close()),
          (error) => {
            options.onError(error);
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
  const { upstream, call, clientWantsUsage } = options;
  const events = new SseEvents();
  const streamed = new StreamedText();
  let usage: ProviderUsage | null = null;
  let done = false;
  let drained = 0;

  const handle = async (event: string) => {
    const data = sseData(event);
    if (data === "[DONE]") {
      done = true; // Held back until the call is settled, so its charge can precede it.
      return;
    }
    let chunk: unknown;
    try {
      chunk = data === null ? undefined : JSON.parse(data);
    } catch {
      chunk = undefined;
    }
    if (typeof chunk !== "object" || chunk === null) return send(`${event}\n\n`);
    streamed.add(chunk);
    const reported = providerUsageOf((chunk as { usage?: unknown }).usage);
    if (reported) usage = reported;
    if (!reported || clientWantsUsage) return send(`${event}\n\n`);
    // Asked for by the proxy, not the client: the usage chunk (no choices) is not the client's to see.
    const { usage: _usage, ...rest } = chunk as Record<string, unknown>;
    const choices = (rest as { choices?: unknown }).choices;
    if (Array.isArray(choices) && choices.length > 0) return send(`data: ${JSON.stringify(rest)}\n\n`);
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
  const consumed: ProviderUsage = usage ?? {
    usage: { inputTokens: call.estimatedInputTokens, outputTokens: await streamed.tokens() },
  };
  const outcome = await call.settle(consumed, options.nowMs() - options.startedMs);
  if (outcome) {
    const summary = chargeSummary(options.ledger, outcome);
    await send(`: tollgate charged=${summary.charged} available=${summary.available} unit=${summary.unit}\n\n`);
  }
  if (done) await send("data: [DONE]\n\n");
}
