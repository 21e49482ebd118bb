import { Counter, Gauge, type Registry } from "prom-client";
import type { JobSnapshot, JobStats } from "../../jobs/job-stats.ts";
import { METRICS_PREFIX } from "./metrics-registry.ts";

/**
 * The background jobs of this process, read from `jobs` when scraped, each series labelled
 * `job` (`expiry_sweep`, `subscription_renewal`, `webhook_dispatch`, `webhook_purge`,
 * `idempotency_purge`): `tollgate_job_runs_total`, `tollgate_job_failures_total`,
 * `tollgate_job_items_total` (items done by passes that succeeded),
 * `tollgate_job_last_run_timestamp_seconds` and `tollgate_job_last_success_timestamp_seconds`
 * (0 before the first). An alert on `time() - tollgate_job_last_success_timestamp_seconds`
 * finds a job that keeps failing or has stopped. The backlog is not here: it needs the
 * database, and `/metrics` answers without it (`GET /v1/jobs` has it).
 *
 * @example
 * jobMetrics({ registry, jobs: stats });
 */
export function jobMetrics(options: { registry: Registry; jobs: JobStats }): void {
  const { jobs, registry } = options;
  const counter = (name: string, help: string, value: (job: JobSnapshot) => number) =>
    new Counter({
      name: `${METRICS_PREFIX}job_${name}`,
      help,
      labelNames: ["job"] as const,
      registers: [registry],
      collect() {
        // The stats are the source of truth: the counter mirrors them at each scrape.
        this.reset();
        for (const job of jobs.snapshot()) this.inc({ job: job.job }, value(job));
      },
    });
  const timestamp = (name: string, help: string, value: (job: JobSnapshot) => Date | null) =>
    new Gauge({
      name: `${METRICS_PREFIX}job_${name}`,
      help,
      labelNames: ["job"] as const,
      registers: [registry],
      collect() {
        for (const job of jobs.snapshot()) this.set({ job: job.job }, (value(job)?.getTime() ?? 0) / 1000);
      },
    });
  counter("runs_total", "Passes of a background job run by this process, failed ones included.", (job) => job.runs);
  counter("failures_total", "Passes of a background job that failed (the error is in the log).", (job) => job.failures);
  counter(
    "items_total",
    "Items a background job's passes did: accounts swept or renewed, deliveries attempted, rows or events purged.",
    (job) => job.itemsDone,
  );
  timestamp(
    "last_run_timestamp_seconds",
    "When a background job's last pass ended (Unix seconds; 0: never).",
    (job) => job.lastRunAt,
  );
  timestamp(
    "last_success_timestamp_seconds",
    "When a background job's last successful pass ended (Unix seconds; 0: never).",
    (job) => job.lastSuccessAt,
  );
}
