import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { JOB_BACKLOG_COUNT_MAX, type Ledger } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { JOB_NAMES, type JobStats } from "../../jobs/job-stats.ts";
import { callerOf, requireAdmin } from "./auth.ts";
import { errorResponses, jsonContent } from "./schemas.ts";

const Time = z.string().nullable();
const Count = z.number().int().min(0).max(JOB_BACKLOG_COUNT_MAX);

const JobJson = z
  .object({
    job: z.enum(JOB_NAMES),
    runs: z.number().int(),
    failures: z.number().int(),
    itemsDone: z.number().int(),
    running: z.boolean(),
    lastRunAt: Time,
    lastSuccessAt: Time,
    lastFailureAt: Time,
  })
  .openapi("Job");

const getJobs = createRoute({
  method: "get",
  path: "/jobs",
  summary: "The background jobs this server runs (admin keys), and their backlog in the database",
  description: `\`jobs\`: this process's counts since it started, empty when the answering process runs no background jobs (the CLI without a server). \`backlog\`: what is waiting in the database, the same whichever instance answers; each count stops at ${JOB_BACKLOG_COUNT_MAX}.`,
  request: { query: z.strictObject({}) },
  responses: {
    200: jsonContent(
      z.object({
        checkedAt: z.string(),
        jobs: z.array(JobJson),
        backlog: z.object({
          renewalsDue: Count,
          holdsPastExpiry: Count,
          lotsPastExpiry: Count,
          deliveriesPending: Count,
          deliveriesDue: Count,
        }),
      }),
      "The jobs and the backlog",
    ),
    ...errorResponses([400, 401, 403]),
  },
});

/** `GET /v1/jobs`: the background jobs, for operators. */
export function jobRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger; jobs?: JobStats }): void {
  app.openapi(getJobs, async (c) => {
    requireAdmin(callerOf(c));
    const backlog = await deps.ledger.jobBacklog();
    const jobs = (deps.jobs?.snapshot() ?? []).map((job) => ({
      ...job,
      lastRunAt: job.lastRunAt?.toISOString() ?? null,
      lastSuccessAt: job.lastSuccessAt?.toISOString() ?? null,
      lastFailureAt: job.lastFailureAt?.toISOString() ?? null,
    }));
    return c.json({ checkedAt: deps.ledger.now().toISOString(), jobs, backlog }, 200);
  });
}
