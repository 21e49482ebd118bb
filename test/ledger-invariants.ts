import assert from "node:assert/strict";
import { reconcile, type SqlClient } from "@tollgate/store";

/**
 * Every invariant of DESIGN.md, as `tollgate reconcile` checks them, plus the one this
 * suite cares most about: no available balance below zero.
 */
export async function expectLedgerInvariants(sql: SqlClient): Promise<void> {
  const report = await reconcile(sql);
  const failed = report.checks.filter((check) => check.mismatches.length > 0);
  assert.deepEqual(
    failed.map((check) => ({ name: check.name, mismatches: check.mismatches.slice(0, 3) })),
    [],
    "reconcile finds no mismatch",
  );
  const negative = await sql.query("select account_id, unit from balances where balance_minor - held_minor < 0");
  assert.deepEqual(negative, [], "no available balance is negative");
}
