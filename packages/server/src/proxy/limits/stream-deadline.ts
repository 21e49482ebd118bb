/** Schedules `fire` after `ms`; the function returned cancels it. Tests fire it themselves. */
export type ScheduleTimer = (ms: number, fire: () => void) => () => void;

/** Real timers, unref'd: a pending cut never keeps the process alive. */
export const REAL_TIMER: ScheduleTimer = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** What a stream is cut with: the relay sees the upstream fail, as a cut connection would. */
export class StreamTooLong extends Error {
  override readonly name = "StreamTooLong";
  constructor(readonly secondsMax: number) {
    super(`the stream ran past its ${secondsMax} s limit (TOLLGATE_PROXY_STREAM_MAX_SECONDS) and was cut`);
  }
}

/** An upstream answer's body as undici gives it: a Node readable. */
export interface UpstreamBody {
  destroy(error?: Error): unknown;
  once(event: "close", listener: () => void): unknown;
  readonly destroyed: boolean;
}

/**
 * The stream duration limit: a streamed answer still running `secondsMax` after it started is
 * destroyed, which aborts the upstream request (its connection is closed) and ends the relay's
 * reading as a cut stream does: the call is settled from the provider's usage if it came, or
 * else from the streamed tokens counted, so it is charged for what was produced. The timer goes
 * when the body closes, however it ends.
 *
 * @example
 * const deadline = new StreamDeadline({ secondsMax: 600 });
 * deadline.watch(answer.body); // right after the upstream's answer starts
 */
export class StreamDeadline {
  readonly secondsMax: number;
  readonly #schedule: ScheduleTimer;
  readonly #onCut: (error: StreamTooLong) => void;
  /** Streams cut so far, for tests and logs. */
  cuts = 0;

  constructor(options: { secondsMax: number; schedule?: ScheduleTimer; onCut?: (error: StreamTooLong) => void }) {
    if (!(Number.isSafeInteger(options.secondsMax) && options.secondsMax >= 0)) {
      throw new RangeError("secondsMax must be a whole number of seconds");
    }
    this.secondsMax = options.secondsMax;
    this.#schedule = options.schedule ?? REAL_TIMER;
    this.#onCut = options.onCut ?? (() => {});
  }

  /** Cuts `body` once it has run `secondsMax`, unless it closes first. */
  watch(body: UpstreamBody): void {
    if (body.destroyed) return;
    const cancel = this.#schedule(this.secondsMax * 1000, () => {
      if (body.destroyed) return;
      const error = new StreamTooLong(this.secondsMax);
      this.cuts += 1;
      this.#onCut(error);
      body.destroy(error);
    });
    body.once("close", cancel);
  }
}
