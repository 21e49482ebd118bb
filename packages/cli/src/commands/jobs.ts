import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { contextOf } from "../context.ts";
import { table } from "../output.ts";

/** One job as `GET /v1/jobs` answers it. */
interface JobJson {
  job: string;
  runs: number;
  failures: number;
  itemsDone: number;
  running: boolean;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
}

interface JobsJson {
  checkedAt: string;
  jobs: JobJson[];
  backlog: {
    renewalsDue: number;
    holdsPastExpiry: number;
    lotsPastExpiry: number;
    deliveriesPending: number;
    deliveriesDue: number;
  };
}

export function registerJobs(program: Command): void {
  program
    .command("jobs")
    .description("the background jobs: a running server's runs, failures and last run, and the backlog in the database")
    .action(async (_options: object, command: Command) => {
      const context = contextOf(command);
      await withApi(context, async (api) => {
        const answer = await api.request<JobsJson>("GET", "/v1/jobs");
        const { backlog } = answer;
        context.output.result({ via: api.via, ...answer }, () => [
          ...(answer.jobs.length === 0
            ? [`no background jobs run in the process that answered (${api.via}): the backlog only`]
            : table([
                ["job", "runs", "failures", "items", "last run", "last success"],
                ...answer.jobs.map((job) => [
                  job.job,
                  String(job.runs),
                  String(job.failures),
                  String(job.itemsDone),
                  job.lastRunAt ?? "never",
                  job.lastSuccessAt ?? "never",
                ]),
              ])),
          "",
          `backlog: ${backlog.renewalsDue} renewals due, ${backlog.holdsPastExpiry} holds and ${backlog.lotsPastExpiry} lots past expiry, ${backlog.deliveriesPending} webhook deliveries pending (${backlog.deliveriesDue} due now)`,
        ]);
      });
    });
}
