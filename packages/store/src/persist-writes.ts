import type { Account, LedgerWrites } from "@tollgate/core";
import type { HttpKeysInBatch } from "./http-key-in-batch.ts";
import { channelNameSql, type SqlExecutor, type SqlStatement } from "./sql-client.ts";
import { LEDGER_TABLES, type TableRows, tableRows } from "./table-writes.ts";
import { USAGE_EVENT_COLUMNS, type UsageEventRow, usageEventJson } from "./usage-events.ts";
import type { WebhookEvent } from "./webhooks/webhook-event-types.ts";
import { webhookOutboxParts } from "./webhooks/webhook-outbox-parts.ts";

/** An idempotency record to insert with the batch's other writes. */
export interface IdempotencyRecord {
  accountId: string;
  idempotencyKey: string;
  requestHash: string;
  resultJson: string;
  createdAt: Date;
}

/** Everything a batch writes. */
export interface BatchWrites {
  /** Accounts the batch opened (an operation on an account that did not exist succeeded). */
  accounts?: readonly Account[];
  writes: LedgerWrites;
  idempotency: IdempotencyRecord[];
  usageEvents: UsageEventRow[];
  /** The batch's outgoing webhook events (the outbox), stored and fanned out in the same statement. */
  webhookEvents?: readonly WebhookEvent[];
  /** Rows of other tables written in the same statement, so they commit with the batch or not at all. */
  tables?: readonly TableRows[];
  /** The HTTP Idempotency-Keys the batch claimed, finished in the same statement. */
  httpKeys?: Pick<HttpKeysInBatch, "persistParts">;
  now: Date;
}

/**
 * Writes everything a batch changed in one statement (see `persistStatement`).
 *
 * @example
 * await persistWrites(tx, { writes: ctx.writes, idempotency: [], usageEvents: [], now });
 */
export async function persistWrites(tx: SqlExecutor, batch: BatchWrites): Promise<void> {
  const statement = persistStatement(batch);
  if (statement) await tx.query(statement.text, statement.params);
}

/**
 * The one statement that writes everything a batch changed, or null when it changed nothing:
 * every table's rows travel as parallel arrays and are unnested server-side, so a batch of any
 * size is one round trip. Tables the batch did not touch are left out of the statement, so the
 * server neither parses nor plans them (a charge touches five of the nine).
 */
export function persistStatement(batch: BatchWrites): SqlStatement | null {
  const nowIso = batch.now.toISOString();
  const tables = [...ledgerTableRows(batch), ...(batch.tables ?? [])].filter((table) => table.rows.length > 0);
  const params: unknown[] = [];
  const parts = tables.map((table, index) => {
    const { columns } = table.shape;
    const arrays = columns.map((column) => {
      params.push(table.rows.map((row) => column.value(row, nowIso)));
      return `$${params.length}::${column.type}[]`;
    });
    const names = columns.map((column) => column.name).join(", ");
    // Rows go in array order, made explicit: entry ids (an identity) must follow the order the
    // rules posted entries in, which refunds and history read back.
    return `w${index} as (insert into ${table.shape.table} (${names})
      select ${names} from unnest(${arrays.join(", ")}) with ordinality as u(${names}, ordinal)
      order by ordinal ${table.shape.onConflict})`;
  });
  parts.push(...usageEventParts(batch.usageEvents, params));
  parts.push(...webhookOutboxParts(batch.webhookEvents ?? [], params));
  parts.push(...(batch.httpKeys?.persistParts(params) ?? []));
  if (parts.length === 0) return null;
  // Every account whose balance changed is announced on the schema's `balances` channel; a
  // notification is delivered at commit, and never if the batch rolls back.
  const changed = [...new Set([...batch.writes.balances.values()].map((balance) => balance.accountId))];
  params.push(changed);
  const announce = `(select count(pg_notify(${channelNameSql(`'${BALANCES_CHANNEL}'`)}, account_id))
    from unnest($${params.length}::text[]) as a(account_id))`;
  return { text: `with ${parts.join(",\n")} select ${announce}`, params };
}

/** The channel that carries the id of every account whose balance changed (see `Ledger.onBalanceChange`). */
export const BALANCES_CHANNEL = "balances";

/**
 * The ledger's own tables, in the order they are written: new accounts first, in the same
 * statement as their first rows (foreign keys are checked at the end of the statement, when the
 * account is there).
 */
function ledgerTableRows(batch: BatchWrites): TableRows[] {
  const { writes } = batch;
  return [
    tableRows(LEDGER_TABLES.accounts, batch.accounts ?? []),
    tableRows(LEDGER_TABLES.transactions, writes.transactions),
    tableRows(LEDGER_TABLES.entries, writes.entries),
    tableRows(LEDGER_TABLES.balances, [...writes.balances.values()]),
    tableRows(LEDGER_TABLES.lots, [...writes.lots.values()]),
    tableRows(LEDGER_TABLES.holds, [...writes.holds.values()]),
    tableRows(LEDGER_TABLES.memberLimits, [...writes.members.values()]),
    tableRows(LEDGER_TABLES.subscriptions, [...writes.subscriptions.values()]),
    tableRows(LEDGER_TABLES.idempotencyKeys, batch.idempotency),
  ];
}

/**
 * The usage events and the distinct price snapshots they name, each table's rows as one
 * JSON parameter. A snapshot already stored is left as it is.
 */
function usageEventParts(events: UsageEventRow[], params: unknown[]): string[] {
  if (events.length === 0) return [];
  const snapshots = new Map(events.map((event) => [event.priceSnapshot.id, event.priceSnapshot.snapshot]));
  params.push(JSON.stringify([...snapshots].map(([id, snapshot]) => ({ price_snapshot_id: id, snapshot }))));
  const snapshotParam = params.length;
  params.push(JSON.stringify(events.map(usageEventJson)));
  const eventParam = params.length;
  const columns = USAGE_EVENT_COLUMNS.map(([name]) => name).join(", ");
  const record = USAGE_EVENT_COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ");
  return [
    `w_snapshots as (insert into price_snapshots (price_snapshot_id, snapshot)
      select price_snapshot_id, snapshot from jsonb_to_recordset($${snapshotParam}::jsonb) as s(price_snapshot_id text, snapshot jsonb)
      on conflict (price_snapshot_id) do nothing)`,
    `w_usage as (insert into usage_events (${columns})
      select ${columns} from jsonb_to_recordset($${eventParam}::jsonb) as u(${record}))`,
  ];
}
