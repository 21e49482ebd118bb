/**
 * A commit lane that already has as many operations waiting as it may (`queueMax`): the
 * operation was refused at once, before it was queued, so it has no effect at all. Past that
 * bound more waiting adds only latency, never throughput (a lane writes one batch at a time),
 * so the caller is told to come back instead of waiting without limit. The HTTP layer answers
 * 503 `unavailable` with `Retry-After` (reason `ledger_queue_full`).
 *
 * @example
 * try { await ledger.charge(op); } catch (error) { if (error instanceof CommitLaneFull) retryLater(); else throw error; }
 */
export class CommitLaneFull extends Error {
  constructor(
    /** The most operations the lane lets wait. */
    readonly queueMax: number,
  ) {
    super(`the ledger's commit lane has ${queueMax} operations waiting, its most: retry shortly`);
    this.name = "CommitLaneFull";
  }
}
