// At least 10,000 generated malformed requests per database, derived from /openapi.json so a new
// route is covered the day it is added: wrong methods and paths, bad or foreign keys, bodies
// that break their schema (wrong types, 25-digit and fractional amounts, truncated JSON,
// `__proto__`, 100,000-deep nesting, over 1 MiB), bad path and query parameters, wrong
// content types, missing, reserved or reused Idempotency-Keys, and well-formed requests the
// ledger must refuse (a charge beyond the balance, an unknown hold, ...).
//
// Every answer must be 4xx (the refusals: their exact status) in the one error shape, with a
// public code whose status is the response's. Afterwards reconcile is clean and every table of
// the ledger's schema is byte-identical, but one: http_idempotency_keys. The idempotency
// middleware stores every final answer below 500, 4xx included, so a client's retry of a bad
// request gets the same answer (http-idempotency.md): that table legitimately gains a row per
// POST that passed authentication. It is checked instead to hold only completed 4xx answers.
// api_keys is byte-identical because each key is used once before the first checksum and
// touched again only after a day (lastUsedIntervalMs).
//
// FUZZ_SEED and FUZZ_REQUESTS replay or scale a run.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { reconcile } from "@tollgate/store";
import { testDatabases } from "@tollgate/store/testing";
import { seededRandom } from "../packages/core/src/testing/seeded-random.ts";
import { ERROR_STATUS } from "../packages/server/src/http/api-error.ts";
import type { FuzzContext, FuzzRequest } from "./http-fuzz/fuzz-request.ts";
import { fuzzTasks } from "./http-fuzz/fuzz-tasks.ts";
import { type FuzzWorld, openFuzzWorld } from "./http-fuzz/fuzz-world.ts";
import { routesOf } from "./http-fuzz/openapi-routes.ts";
import { tableChecksums } from "./http-fuzz/table-checksums.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_417);
const REQUESTS_MIN = Number(process.env.FUZZ_REQUESTS ?? 10_000);
/** Requests in flight at once: enough to overlap PostgreSQL round trips, few enough for 2 shared cores. */
const CONCURRENCY = 8;
/** Requests each route of the document gets at least. */
const PER_ROUTE_MIN = 20;
/** The one table a refused request may write to (see the header). */
const REPLAY_TABLE = "http_idempotency_keys";

for (const database of await testDatabases()) {
  describe(`malformed requests on ${database.name}`, () => {
    let world: FuzzWorld;
    before(async () => {
      world = await openFuzzWorld(database);
    });
    after(() => world.close());

    test(`${REQUESTS_MIN} malformed requests: all 4xx in the error shape, the ledger unchanged`, async (t) => {
      const { app, ledger, tokens } = world;
      const document = await (await app.request("/openapi.json")).json();
      const routes = routesOf(document as Parameters<typeof routesOf>[0]);
      for (const token of [tokens.secret, tokens.alice, tokens.bob]) {
        const warm = await app.request("/v1/accounts/user:alice", { headers: { authorization: `Bearer ${token}` } });
        assert.ok(warm.status < 500);
      }
      const checksumsBefore = await tableChecksums(ledger.sql, ledger.schema);
      assert.ok(REPLAY_TABLE in checksumsBefore, `the schema has ${REPLAY_TABLE}`);
      assert.equal((await reconcile(ledger.sql)).ok, true, "reconcile is clean before");

      let keySequence = 0;
      const context: FuzzContext = {
        routes,
        tokens,
        aliceId: world.aliceId,
        holdId: world.holdId,
        settledHoldId: world.settledHoldId,
        random: seededRandom(SEED),
        nextKey: () => `fuzz-${SEED}-${++keySequence}`,
      };
      const tasks = fuzzTasks(context, { requestsMin: REQUESTS_MIN, perRouteMin: PER_ROUTE_MIN });
      // Grouped by category and the start of the complaint: one example of each kind, with its count.
      const failures = new Map<string, { count: number; example: string }>();
      const perCategory = new Map<string, number>();
      const perRoute = new Map<string, number>();
      const started = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < tasks.length) {
          const { category, task } = tasks[next++] as (typeof tasks)[number];
          const answers = new Map<FuzzRequest, string>();
          for (const request of task) {
            perCategory.set(category, (perCategory.get(category) ?? 0) + 1);
            perRoute.set(request.route, (perRoute.get(request.route) ?? 0) + 1);
            const problem = await send(world, request, answers);
            if (problem) {
              const kind = `[${category}] ${problem.slice(0, 40)}`;
              const seen = failures.get(kind) ?? {
                count: 0,
                example: `${request.label} — ${request.method} ${request.path.slice(0, 120)}: ${problem}`,
              };
              seen.count++;
              failures.set(kind, seen);
            }
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const seconds = (performance.now() - started) / 1000;
      const sent = [...perCategory.values()].reduce((sum, count) => sum + count, 0);
      t.diagnostic(
        `${sent} requests in ${seconds.toFixed(1)} s (seed ${SEED}): ${JSON.stringify(Object.fromEntries(perCategory))}`,
      );

      const wrong = [...failures].map(([kind, { count, example }]) => `${count}× ${kind}… e.g. ${example}`);
      assert.deepEqual(wrong, [], `${wrong.length} kinds of wrong answers`);
      assert.ok(sent >= REQUESTS_MIN);
      for (const route of routes) {
        const name = `${route.method} ${route.template}`;
        assert.ok((perRoute.get(name) ?? 0) >= PER_ROUTE_MIN, `${name} got ${perRoute.get(name) ?? 0} requests`);
      }

      const report = await reconcile(ledger.sql);
      assert.deepEqual(
        report.checks.filter((check) => check.mismatches.length > 0).map((check) => check.name),
        [],
        "reconcile is clean after",
      );
      const checksumsAfter = await tableChecksums(ledger.sql, ledger.schema);
      delete checksumsBefore[REPLAY_TABLE];
      delete checksumsAfter[REPLAY_TABLE];
      assert.deepEqual(checksumsAfter, checksumsBefore, "every ledger, pricing and key table is byte-identical");
      const stored = await ledger.sql.query<{ state: string; response_status: number; count: string }>(
        `select state, response_status, count(*)::text as count from "${ledger.schema}".${REPLAY_TABLE}
         group by state, response_status order by response_status`,
      );
      for (const row of stored) {
        assert.equal(row.state, "done", "no key is left in progress");
        assert.ok(row.response_status >= 400 && row.response_status < 500, `a stored ${row.response_status}`);
      }
    });
  });
}

/** Sends one request; returns what is wrong with its answer, or null. */
async function send(world: FuzzWorld, request: FuzzRequest, answers: Map<FuzzRequest, string>): Promise<string | null> {
  const { app } = world;
  const headers = new Headers();
  for (const [name, value] of request.headers) headers.append(name, value);
  let response: Response;
  try {
    response = await app.request(request.path, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: request.body }),
    });
  } catch (error) {
    return `threw ${(error as Error).stack?.slice(0, 300)}`;
  }
  const text = await response.text();
  answers.set(request, text);
  const { status } = response;
  if (request.status !== undefined ? status !== request.status : status < 400 || status >= 500) {
    const requestId = response.headers.get("x-request-id") ?? "";
    const cause = world.serverErrors.get(requestId)?.slice(0, 400);
    return `status ${status}${cause ? ` (${cause})` : ""}${request.status === undefined ? "" : ` instead of ${request.status}`}: ${text.slice(0, 300)}`;
  }
  const shapeProblem = errorShapeProblem(status, text);
  if (shapeProblem) return shapeProblem;
  if (request.replayOf) {
    if (response.headers.get("idempotent-replayed") !== "true") return "a retry was not replayed";
    if (text !== answers.get(request.replayOf)) return "a replay differs from the first answer";
  }
  return null;
}

function errorShapeProblem(status: number, text: string): string | null {
  let body: { error?: { code?: unknown; message?: unknown; details?: unknown; requestId?: unknown } };
  try {
    body = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 100)}`;
  }
  const error = body.error;
  if (!error || typeof error.message !== "string" || typeof error.details !== "object" || error.details === null) {
    return `not the error shape: ${text.slice(0, 200)}`;
  }
  if (!(typeof error.requestId === "string" || error.requestId === null)) return "no requestId";
  const expected = ERROR_STATUS[error.code as keyof typeof ERROR_STATUS];
  if (expected === undefined) return `unknown code ${String(error.code)}`;
  if (expected !== status) return `code ${String(error.code)} is ${expected}, answered ${status}`;
  return null;
}
