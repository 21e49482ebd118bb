import { type SqlClient, USAGE_EVENT_COLUMNS, type UsageEventRow, usageEventJson } from "@tollgate/store";
import { FLOOR_LOCK_SQL, LEDGER_ROWS_CTES, LEDGER_ROWS_ENTRIES } from "./group-commit-floor.ts";
import { type RunOutcome, type RunTiming, runClosedLoop } from "./measure.ts";

/**
 * The ceiling of `http.batch_events_per_s` on this machine: the least any design can do that
 * charges every event of a batch in a double-entry ledger and stores the event. Each batch is
 * one database transaction (fewer than the ledger makes): lock the batch's accounts in id
 * order, then one statement that writes the `ledger_rows` floor's rows for every event (the
 * balance and the lot drawn, once per account; a transaction carrying the event's key; two
 * entries) and the event's row in a copy of `usage_events` (same columns and indexes). No
 * HTTP, no JSON body to parse, no pricing, no rules, no results.
 *
 * Uses the naive baseline's accounts and the group-commit floor's lots: `setUpNaive` and
 * `setUpFloor` first.
 */
const USAGE_FLOOR_SCHEMA_SQL = `create table if not exists floor_usage_events (like usage_events including all)`;

const COLUMNS = USAGE_EVENT_COLUMNS.map(([name]) => name).join(", ");
const RECORD = USAGE_EVENT_COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ");

const BATCH_SQL = `
with ${LEDGER_ROWS_CTES},
usage as (insert into floor_usage_events (${COLUMNS})
          select ${COLUMNS} from jsonb_to_recordset($4::jsonb) as u(${RECORD}))
${LEDGER_ROWS_ENTRIES}`;

export async function setUpUsageBatchFloor(sql: SqlClient): Promise<void> {
  await sql.exec(USAGE_FLOOR_SCHEMA_SQL);
}

/**
 * `concurrency` callers, each sending batches of `size` events (1,000 input and 200 output
 * tokens, 27 credits each, as the bench's gpt-4o-mini calls cost) to random accounts of
 * `accounts`. An operation is one batch.
 */
export function runUsageBatchFloor(
  pool: SqlClient,
  options: { accounts: number; size: number; concurrency: number; timing: RunTiming },
): Promise<RunOutcome> {
  return runClosedLoop({
    concurrency: options.concurrency,
    timing: options.timing,
    async operation(caller, sequence) {
      const events = Array.from({ length: options.size }, (_, index) =>
        floorEvent(`naive-${Math.floor(Math.random() * options.accounts)}`, `floor-${caller}-${sequence}-${index}`),
      );
      const accountIds = events.map((event) => event.accountId);
      await pool.transaction(async (tx) => {
        await tx.query(FLOOR_LOCK_SQL, [[...new Set(accountIds)].sort()]);
        await tx.query(BATCH_SQL, [
          accountIds,
          events.map((event) => event.chargedMinor.toString()),
          events.map((event) => event.idempotencyKey),
          JSON.stringify(events.map(usageEventJson)),
        ]);
      });
      return true;
    },
  });
}

function floorEvent(accountId: string, key: string): UsageEventRow {
  return {
    accountId,
    usageEventId: key,
    idempotencyKey: key,
    transactionId: key,
    memberAccountId: null,
    unit: "credits",
    provider: "openai",
    model: "gpt-4o-mini",
    success: true,
    usage: { inputTokens: 1000, outputTokens: 200 },
    providerCostUsd: "0.00027",
    costSource: "catalog",
    chargedUsd: "0.00027",
    chargedMinor: 27n,
    priceSnapshot: { id: "floor", snapshot: {} },
    createdAt: new Date(),
  };
}
