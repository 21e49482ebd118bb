import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { type ChargeOutcome, charge } from "./charge-loops.ts";
import type { ServerOnPostgres } from "./server-on-postgres.ts";

/**
 * Every answer is one an app can act on: a charge (200), a refusal (402), or "the database is
 * unavailable, retry" (503 `database_unavailable` with Retry-After). Never a 500, never a
 * dropped socket.
 */
export function assertAnswersClean(outcomes: readonly ChargeOutcome[]): void {
  for (const outcome of outcomes) {
    assert.ok([200, 402, 503].includes(outcome.status), `unexpected answer ${JSON.stringify(outcome)}`);
    if (outcome.status === 503) {
      assert.equal(outcome.code, "database_unavailable", JSON.stringify(outcome));
      assert.ok(outcome.retryAfter !== null && Number(outcome.retryAfter) > 0, "a 503 says when to retry");
    }
  }
}

/**
 * Retries every charge answered 503 with its own Idempotency-Key, as a client following
 * Retry-After does, until each is answered 200: the key was left free (or its charge
 * replays), not locked for a minute. Returns how many retries were answered 409 first.
 */
export async function retryUnavailable(
  target: ServerOnPostgres,
  outcomes: readonly ChargeOutcome[],
  deadlineMs = 45_000,
): Promise<{ retried: number; inProgressAnswers: number }> {
  const deadline = Date.now() + deadlineMs;
  let inProgressAnswers = 0;
  const unavailable = outcomes.filter((outcome) => outcome.status === 503);
  for (const first of unavailable) {
    for (;;) {
      const again = await charge({
        url: target.server.url,
        token: target.secret,
        account: first.account,
        key: first.key,
      });
      if (again.status === 200) break;
      assert.ok(
        again.status === 503 || (again.status === 409 && again.code === "idempotency_in_progress"),
        `a retry of ${first.key} was answered ${JSON.stringify(again)}`,
      );
      if (again.status === 409) inProgressAnswers++;
      assert.ok(Date.now() < deadline, `the retry of ${first.key} still fails: ${JSON.stringify(again)}`);
      await sleep(100);
    }
  }
  return { retried: unavailable.length, inProgressAnswers };
}

/**
 * The ledger is whole: reconcile finds nothing wrong, every charge answered 200 is in the
 * ledger exactly once (by its transaction id and by its key), and no key made two charges.
 */
export async function assertLedgerWhole(
  target: ServerOnPostgres,
  acknowledged: readonly ChargeOutcome[],
): Promise<{ charges: number }> {
  const report = await target.call("GET", "/v1/reconcile", { token: target.admin });
  assert.equal(report.status, 200);
  const body = (await report.json()) as { ok: boolean; mismatches?: unknown };
  assert.equal(body.ok, true, JSON.stringify(body));

  const rows = await target.direct.query<{ idempotency_key: string; transaction_ids: string[] }>(
    `select idempotency_key, array_agg(transaction_id) as transaction_ids
     from transactions where kind = 'charge' group by idempotency_key`,
  );
  const byKey = new Map(rows.map((row) => [row.idempotency_key, row.transaction_ids]));
  for (const row of rows) assert.equal(row.transaction_ids.length, 1, `key ${row.idempotency_key} charged twice`);
  for (const outcome of acknowledged) {
    assert.deepEqual(byKey.get(outcome.key), [outcome.transactionId], `charge ${outcome.key} once, as answered`);
  }
  return { charges: rows.length };
}
