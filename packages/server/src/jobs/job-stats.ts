/**
 * The background jobs a server runs, by the name `/metrics` (the `job` label) and `GET /v1/jobs`
 * report them under. The instance heartbeat is a background loop too, but it is the server's
 * own bookkeeping, not work on the data, and is not listed.
 */
export const JOB_NAMES = [
  "expiry_sweep",
  "subscription_renewal",
  "webhook_dispatch",
  "webhook_purge",
  "idempotency_purge",
  "auto_top_up",
] as const;

export type JobName = (typeof JOB_NAMES)[number];

/** What one pass of a job did, as the background loop reports it. */
export interface JobRun {
  /** Accounts swept or renewed, deliveries attempted, rows or events deleted; 0 for a failed pass. */
  itemsDone: number;
  failed: boolean;
}

/** One job's counts since the process started, and when it last ran. */
export interface JobSnapshot {
  job: JobName;
  runs: number;
  failures: number;
  itemsDone: number;
  /** Whether a pass is in progress now. */
  running: boolean;
  lastRunAt: Date | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
}

/** How a background loop tells its job's stats a pass started and ended. */
export interface JobRecorder {
  started(): void;
  finished(run: JobRun): void;
}

/**
 * The counts of the jobs one server process runs: a plain object the loops write to and the
 * metrics and `GET /v1/jobs` read, one per process (made by `startServer`, never module-level).
 * Counts are per process: on several instances, each reports its own, and Prometheus sums them.
 *
 * @example
 * const stats = new JobStats();
 * startExpirySweeper(ledger, { logger, stats });
 * stats.snapshot(); // [{ job: "expiry_sweep", runs: 3, failures: 0, itemsDone: 12, … }]
 */
export class JobStats {
  readonly #jobs = new Map<JobName, JobSnapshot>();
  readonly #clock: () => Date;

  /** `clock`: when runs are stamped; the wall clock by default. */
  constructor(options: { clock?: () => Date } = {}) {
    this.#clock = options.clock ?? (() => new Date());
  }

  /** The recorder for `job`, listing it (with zero runs) from now on. */
  recorder(job: JobName): JobRecorder {
    const entry = this.#entry(job);
    return {
      started: () => {
        entry.running = true;
      },
      finished: (run) => {
        const at = this.#clock();
        entry.running = false;
        entry.runs++;
        entry.lastRunAt = at;
        if (run.failed) {
          entry.failures++;
          entry.lastFailureAt = at;
        } else {
          entry.lastSuccessAt = at;
          entry.itemsDone += run.itemsDone;
        }
      },
    };
  }

  /** Every job with a recorder, in `JOB_NAMES` order; copies, so a reader cannot change them. */
  snapshot(): JobSnapshot[] {
    return JOB_NAMES.flatMap((job) => {
      const entry = this.#jobs.get(job);
      return entry ? [{ ...entry }] : [];
    });
  }

  #entry(job: JobName): JobSnapshot {
    let entry = this.#jobs.get(job);
    if (!entry) {
      entry = {
        job,
        runs: 0,
        failures: 0,
        itemsDone: 0,
        running: false,
        lastRunAt: null,
        lastSuccessAt: null,
        lastFailureAt: null,
      };
      this.#jobs.set(job, entry);
    }
    return entry;
  }
}
