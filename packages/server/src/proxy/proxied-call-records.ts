import assert from "node:assert/strict";
import type { SqlClient } from "@tollgate/store";

/** One hold of a proxied call, as the ledger keeps it. */
export interface HoldRecord {
  holdId: string;
  status: string;
  amountMinor: bigint;
  capturedMinor: bigint;
}

/** One usage event of a proxied call: what the proxy settled it from, and what it charged. */
export interface UsageRecord {
  inputTokens: number;
  outputTokens: number;
  costSource: string;
  chargedMinor: bigint;
}

/** An account's proxied calls, read back from the ledger's own tables. */
export interface CallRecords {
  holds: HoldRecord[];
  usage: UsageRecord[];
  balanceMinor: bigint;
  heldMinor: bigint;
  /** The lowest balance any of the account's entries left (its history, not only its end). */
  lowestBalanceMinor: bigint | null;
}

/**
 * The holds, usage events and balance of each account, in three queries whatever the number
 * of accounts: the proxy's heavy tests check a thousand calls one by one against what each
 * should have cost. Read straight from the tables, as `tollgate reconcile` does, so the check
 * does not go through the code under test.
 */
export async function callRecordsOf(sql: SqlClient, accountIds: readonly string[]): Promise<Map<string, CallRecords>> {
  const records = new Map<string, CallRecords>();
  for (const accountId of accountIds) {
    records.set(accountId, { holds: [], usage: [], balanceMinor: 0n, heldMinor: 0n, lowestBalanceMinor: null });
  }
  const of = (accountId: unknown) => {
    const record = records.get(String(accountId));
    assert.ok(record, `a row of an account not asked for: ${String(accountId)}`);
    return record;
  };
  const ids = [...accountIds];
  const holds = await sql.query<Record<string, unknown>>(
    `select account_id, hold_id, status, amount_minor, captured_minor from holds
      where account_id = any($1) order by created_at, hold_id`,
    [ids],
  );
  for (const row of holds) {
    of(row.account_id).holds.push({
      holdId: String(row.hold_id),
      status: String(row.status),
      amountMinor: BigInt(row.amount_minor as bigint),
      capturedMinor: BigInt(row.captured_minor as bigint),
    });
  }
  const usage = await sql.query<Record<string, unknown>>(
    `select account_id, input_tokens, output_tokens, cost_source, charged_minor from usage_events
      where account_id = any($1) order by usage_event_id`,
    [ids],
  );
  for (const row of usage) {
    of(row.account_id).usage.push({
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      costSource: String(row.cost_source),
      chargedMinor: BigInt(row.charged_minor as bigint),
    });
  }
  const balances = await sql.query<Record<string, unknown>>(
    `select b.account_id, b.balance_minor, b.held_minor,
            (select min(e.balance_after_minor) from entries e
              where e.account_id = b.account_id and e.unit = b.unit) as lowest_minor
       from balances b where b.account_id = any($1) and b.unit = 'credits'`,
    [ids],
  );
  for (const row of balances) {
    const record = of(row.account_id);
    record.balanceMinor = BigInt(row.balance_minor as bigint);
    record.heldMinor = BigInt(row.held_minor as bigint);
    record.lowestBalanceMinor = row.lowest_minor === null ? null : BigInt(row.lowest_minor as bigint);
  }
  return records;
}

/** Holds still active in the whole ledger (or on one account): a settled or released call leaves none. */
export async function activeHoldCount(sql: SqlClient, accountId?: string): Promise<number> {
  const [row] = await sql.query<{ count: bigint }>(
    accountId === undefined
      ? "select count(*) as count from holds where status = 'active'"
      : "select count(*) as count from holds where status = 'active' and account_id = $1",
    accountId === undefined ? [] : [accountId],
  );
  return Number(row?.count ?? 0);
}
