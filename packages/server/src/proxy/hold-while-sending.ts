import type { Dispatcher } from "undici";
import { UpstreamBody } from "./upstream-body.ts";

/** An upstream answer: its status and headers, and its body, read from the moment it came. */
export interface UpstreamAnswer {
  statusCode: number;
  headers: Dispatcher.ResponseData["headers"];
  body: UpstreamBody;
}

/** An upstream request's outcome: its answer (headers in, body to read), or why it failed. */
export type UpstreamAttempt = { ok: true; answer: UpstreamAnswer } | { ok: false; error: unknown };

export interface HoldWhileSendingOptions<Held> {
  /** Places the hold; may throw (a malformed request is a RangeError). */
  hold: () => Promise<Held>;
  /** Whether the hold was placed (a refusal is a result, not a throw). */
  accepted: (held: Held) => boolean;
  /** Sends the upstream request, aborted through `signal` if the hold is refused. */
  send: (signal: AbortSignal) => Promise<Dispatcher.ResponseData>;
}

/**
 * The hold and the upstream request at the same time, so the hold's commit adds no latency
 * to the call: the upstream request is sent at once, and its answer is handed over only once
 * the hold is placed, so nothing reaches the client before the hold is durable. A refused
 * hold (or one that throws) aborts the upstream request and drops whatever it had answered,
 * so the client sees the refusal and never a byte of the answer.
 *
 * @example
 * const { held, upstream } = await holdWhileSending({ hold, accepted: (h) => h.ok, send });
 * if (!upstream) throw ledgerFailure(held, …); // refused: the upstream request was aborted
 */
export async function holdWhileSending<Held>(
  options: HoldWhileSendingOptions<Held>,
): Promise<{ held: Held; upstream: UpstreamAttempt | null }> {
  const abort = new AbortController();
  const upstream: Promise<UpstreamAttempt> = options.send(abort.signal).then(
    ({ statusCode, headers, body }) => ({ ok: true, answer: { statusCode, headers, body: new UpstreamBody(body) } }),
    (error: unknown) => ({ ok: false, error }),
  );
  let held: Held;
  try {
    held = await options.hold();
  } catch (error) {
    await cancel(abort, upstream);
    throw error;
  }
  if (!options.accepted(held)) {
    await cancel(abort, upstream);
    return { held, upstream: null };
  }
  return { held, upstream: await upstream };
}

/** Aborts the upstream request and waits for it to end, its answer (if it came) dropped. */
async function cancel(abort: AbortController, upstream: Promise<UpstreamAttempt>): Promise<void> {
  abort.abort(new Error("the hold was refused"));
  const attempt = await upstream;
  if (attempt.ok) attempt.answer.body.destroy();
}
