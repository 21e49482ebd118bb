import { RECONCILE_CHECKS } from "./reconcile-checks.ts";
import type { SqlClient, SqlExecutor } from "./sql-client.ts";

/**
 * Recomputes every balance from the entries and from the lots, and checks every invariant
 * of the design, in SQL aggregates: nothing is loaded into JS but the mismatches. On a
 * `SqlClient` all checks read one snapshot (a repeatable-read, read-only transaction), so a
 * ledger taking writes meanwhile is never reported as inconsistent.
 *
 * @example
 * const report = await reconcile(ledger.sql);
 * if (!report.ok) for (const check of report.checks) console.log(check.name, check.mismatches);
 */
export async function reconcile(
  sql: SqlExecutor | SqlClient,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const now = options.now ?? new Date();
  const mismatchesMax = options.mismatchesMax ?? MISMATCHES_MAX;
  if (!Number.isInteger(mismatchesMax) || mismatchesMax < 1) throw new RangeError("mismatchesMax must be >= 1");
  const run = (tx: SqlExecutor) => runChecks(tx, { now, mismatchesMax, onCheck: options.onCheck });
  if (!("transaction" in sql)) return run(sql);
  return sql.transaction(async (tx) => {
    await tx.query("set transaction isolation level repeatable read, read only");
    return run(tx);
  });
}

/** Every check by name, description and query, for documentation and `tollgate reconcile --help`. */
export { RECONCILE_CHECKS, type ReconcileCheckDefinition } from "./reconcile-checks.ts";

export interface ReconcileOptions {
  /** The time expiries are judged at, for the summary's "due" counts. Default: now. */
  now?: Date;
  /** The most mismatches kept per check (default MISMATCHES_MAX). */
  mismatchesMax?: number;
  /** Called as each check finishes, for progress on a large ledger. */
  onCheck?: (check: ReconcileCheck) => void;
}

/** The most mismatches one check reports: a corrupt ledger must not flood the operator. */
export const MISMATCHES_MAX = 1000;

export interface ReconcileReport {
  /** True when every check found nothing. */
  ok: boolean;
  checkedAt: Date;
  summary: ReconcileSummary;
  checks: ReconcileCheck[];
}

export interface ReconcileSummary {
  /** Customer accounts (system accounts left out). */
  accounts: number;
  units: number;
  transactions: number;
  entries: number;
  lots: number;
  activeHolds: number;
  /** Past their expiry at `checkedAt` but not swept yet: not a mismatch, the sweeper lags by design. */
  holdsDueToExpire: number;
  lotsDueToExpire: number;
}

export interface ReconcileCheck {
  name: string;
  description: string;
  mismatches: ReconcileMismatch[];
  /** True when there were more than `mismatchesMax` mismatches and the rest were left out. */
  truncated: boolean;
}

/** One disagreement: what was compared, where, what it should be and what it is. */
export interface ReconcileMismatch {
  accountId: string | null;
  unit: string | null;
  transactionId: string | null;
  lotId: string | null;
  holdId: string | null;
  memberAccountId: string | null;
  idempotencyKey: string | null;
  /** The comparison, e.g. `balances.balance_minor = sum(entries)`. */
  field: string;
  /** `amount`: minor units of `unit`; `count` (versions, numbers of rows); `id`: an identifier. */
  measure: "amount" | "count" | "id";
  expected: string;
  actual: string;
}

async function runChecks(
  sql: SqlExecutor,
  { now, mismatchesMax, onCheck }: { now: Date; mismatchesMax: number; onCheck: ReconcileOptions["onCheck"] },
): Promise<ReconcileReport> {
  const summary = await readSummary(sql, now);
  const checks: ReconcileCheck[] = [];
  for (const check of RECONCILE_CHECKS) {
    const rows = await sql.query<MismatchRow>(`select * from (${check.sql}) as mismatches limit $1`, [
      mismatchesMax + 1,
    ]);
    const mismatches = rows.slice(0, mismatchesMax).map(toMismatch).sort(compareMismatches);
    const result = {
      name: check.name,
      description: check.description,
      mismatches,
      truncated: rows.length > mismatchesMax,
    };
    checks.push(result);
    onCheck?.(result);
  }
  return { ok: checks.every((check) => check.mismatches.length === 0), checkedAt: now, summary, checks };
}

async function readSummary(sql: SqlExecutor, now: Date): Promise<ReconcileSummary> {
  const [row] = await sql.query<Record<keyof ReconcileSummary, bigint>>(
    `select (select count(*) from accounts where type <> 'system') as "accounts",
       (select count(*) from units) as "units",
       (select count(*) from transactions) as "transactions",
       (select count(*) from entries) as "entries",
       (select count(*) from lots) as "lots",
       (select count(*) from holds where status = 'active') as "activeHolds",
       (select count(*) from holds where status = 'active' and expires_at <= $1) as "holdsDueToExpire",
       (select count(*) from lots where live and expires_at <= $1 and remaining_minor > held_minor) as "lotsDueToExpire"`,
    [now.toISOString()],
  );
  if (!row) throw new Error("the reconcile summary returned no row");
  const count = (key: keyof ReconcileSummary) => Number(row[key]);
  return {
    accounts: count("accounts"),
    units: count("units"),
    transactions: count("transactions"),
    entries: count("entries"),
    lots: count("lots"),
    activeHolds: count("activeHolds"),
    holdsDueToExpire: count("holdsDueToExpire"),
    lotsDueToExpire: count("lotsDueToExpire"),
  };
}

interface MismatchRow {
  account_id?: string | null;
  unit?: string | null;
  transaction_id?: string | null;
  lot_id?: string | null;
  hold_id?: string | null;
  member_account_id?: string | null;
  idempotency_key?: string | null;
  field: string;
  measure: ReconcileMismatch["measure"];
  expected: string;
  actual: string;
}

const toMismatch = (row: MismatchRow): ReconcileMismatch => ({
  accountId: row.account_id ?? null,
  unit: row.unit ?? null,
  transactionId: row.transaction_id ?? null,
  lotId: row.lot_id ?? null,
  holdId: row.hold_id ?? null,
  memberAccountId: row.member_account_id ?? null,
  idempotencyKey: row.idempotency_key ?? null,
  field: row.field,
  measure: row.measure,
  expected: row.expected,
  actual: row.actual,
});

function compareMismatches(a: ReconcileMismatch, b: ReconcileMismatch): number {
  const keyOf = (m: ReconcileMismatch) =>
    [m.accountId, m.unit, m.transactionId, m.lotId, m.holdId, m.field].map((part) => part ?? "").join("\u0000");
  const [left, right] = [keyOf(a), keyOf(b)];
  return left < right ? -1 : left > right ? 1 : 0;
}
