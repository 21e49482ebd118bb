import type { Account, LedgerWrites } from "@tollgate/core";
import type { HttpKeysInBatch } from "./http-key-in-batch.ts";
import { encodeAllocations } from "./rows.ts";
import type { SqlExecutor } from "./sql-client.ts";
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

/** One table's insert: its columns with their SQL types, what to do on conflict, and its rows. */
interface TableWrite {
  table: string;
  columns: ReadonlyArray<readonly [name: string, type: string]>;
  onConflict: string;
  /** One array per column, in column order: the rows travel column-wise and are unnested server-side. */
  values: unknown[][];
}

const text = (value: bigint | null) => (value === null ? null : value.toString());
const iso = (value: Date | null) => (value === null ? null : value.toISOString());

/**
 * Writes everything a batch changed in one statement: every table's rows travel as
 * parallel arrays and are unnested server-side, so a batch of any size is one round trip.
 * Tables the batch did not touch are left out of the statement, so the server neither
 * parses nor plans them (a charge touches five of the nine).
 */
export async function persistWrites(
  tx: SqlExecutor,
  batch: {
    /** Accounts the batch opened (an operation on an account that did not exist succeeded). */
    accounts?: readonly Account[];
    writes: LedgerWrites;
    idempotency: IdempotencyRecord[];
    usageEvents: UsageEventRow[];
    /** The batch's outgoing webhook events (the outbox), stored and fanned out in the same statement. */
    webhookEvents?: readonly WebhookEvent[];
    /** The HTTP Idempotency-Keys the batch claimed, finished in the same statement. */
    httpKeys?: HttpKeysInBatch;
    now: Date;
  },
): Promise<void> {
  const tables = [
    accountsWrite(batch.accounts ?? []),
    ...tableWrites(batch.writes, batch.idempotency, batch.now),
  ].filter((write) => (write.values[0]?.length ?? 0) > 0);
  const params: unknown[] = [];
  const parts = tables.map((write, index) => {
    const arrays = write.columns.map(([, type], column) => {
      params.push(write.values[column]);
      return `$${params.length}::${type}[]`;
    });
    const columns = write.columns.map(([name]) => name).join(", ");
    // Rows go in array order, made explicit: entry ids (an identity) must follow the order the
    // rules posted entries in, which refunds and history read back.
    return `w${index} as (insert into ${write.table} (${columns})
      select ${columns} from unnest(${arrays.join(", ")}) with ordinality as u(${columns}, ordinal)
      order by ordinal ${write.onConflict})`;
  });
  parts.push(...usageEventParts(batch.usageEvents, params));
  parts.push(...webhookOutboxParts(batch.webhookEvents ?? [], params));
  parts.push(...(batch.httpKeys?.persistParts(params) ?? []));
  if (parts.length === 0) return;
  // Every account whose balance changed is announced on the schema's `balances` channel; a
  // notification is delivered at commit, and never if the batch rolls back.
  const changed = [...new Set([...batch.writes.balances.values()].map((balance) => balance.accountId))];
  params.push(changed);
  const announce = `(select count(pg_notify(current_schema() || '__${BALANCES_CHANNEL}', account_id))
    from unnest($${params.length}::text[]) as a(account_id))`;
  await tx.query(`with ${parts.join(",\n")} select ${announce}`, params);
}

/** The channel that carries the id of every account whose balance changed (see `Ledger.onBalanceChange`). */
export const BALANCES_CHANNEL = "balances";

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

/**
 * New accounts, in the same statement as their first rows: foreign keys are checked at the end
 * of the statement, when the account is there. No `on conflict`: an account another instance
 * created meanwhile fails the batch, whose items are then retried one by one and find it.
 */
function accountsWrite(accounts: readonly Account[]): TableWrite {
  return {
    table: "accounts",
    columns: [
      ["account_id", "text"],
      ["type", "text"],
      ["external_id", "text"],
      ["overdraft_limit_minor", "bigint"],
      ["created_at", "timestamptz"],
    ],
    onConflict: "",
    values: [
      accounts.map((a) => a.accountId),
      accounts.map((a) => a.type),
      accounts.map((a) => a.externalId),
      accounts.map((a) => a.overdraftLimitMinor.toString()),
      accounts.map((a) => a.createdAt.toISOString()),
    ],
  };
}

function tableWrites(writes: LedgerWrites, idempotency: IdempotencyRecord[], now: Date): TableWrite[] {
  const { transactions: t, entries: e } = writes;
  const balances = [...writes.balances.values()];
  const lots = [...writes.lots.values()];
  const holds = [...writes.holds.values()];
  const members = [...writes.members.values()];
  const subscriptions = [...writes.subscriptions.values()].map((write) => write.subscription);
  const subscriptionAccounts = [...writes.subscriptions.keys()];
  const nowIso = now.toISOString();
  return [
    {
      table: "transactions",
      columns: [
        ["account_id", "text"],
        ["transaction_id", "text"],
        ["kind", "text"],
        ["unit", "text"],
        ["amount_minor", "bigint"],
        ["reverses_transaction_id", "text"],
        ["hold_id", "text"],
        ["member_account_id", "text"],
        ["reason", "text"],
        ["idempotency_key", "text"],
        ["created_at", "timestamptz"],
      ],
      onConflict: "",
      values: [
        t.map((r) => r.accountId),
        t.map((r) => r.transactionId),
        t.map((r) => r.kind),
        t.map((r) => r.unit),
        t.map((r) => r.amountMinor.toString()),
        t.map((r) => r.reversesTransactionId),
        t.map((r) => r.holdId),
        t.map((r) => r.memberAccountId),
        t.map((r) => r.reason),
        t.map((r) => r.idempotencyKey),
        t.map((r) => r.createdAt.toISOString()),
      ],
    },
    {
      table: "entries",
      columns: [
        ["account_id", "text"],
        ["transaction_id", "text"],
        ["unit", "text"],
        ["amount_minor", "bigint"],
        ["lot_id", "text"],
        ["balance_before_minor", "bigint"],
        ["balance_after_minor", "bigint"],
        ["version", "bigint"],
        ["created_at", "timestamptz"],
      ],
      onConflict: "",
      values: [
        e.map((r) => r.accountId),
        e.map((r) => r.transactionId),
        e.map((r) => r.unit),
        e.map((r) => r.amountMinor.toString()),
        e.map((r) => r.lotId),
        e.map((r) => text(r.balanceBeforeMinor)),
        e.map((r) => text(r.balanceAfterMinor)),
        e.map((r) => text(r.version)),
        e.map((r) => r.createdAt.toISOString()),
      ],
    },
    {
      table: "balances",
      columns: [
        ["account_id", "text"],
        ["unit", "text"],
        ["balance_minor", "bigint"],
        ["held_minor", "bigint"],
        ["debt_minor", "bigint"],
        ["version", "bigint"],
        ["updated_at", "timestamptz"],
      ],
      onConflict: `on conflict (account_id, unit) do update set balance_minor = excluded.balance_minor,
        held_minor = excluded.held_minor, debt_minor = excluded.debt_minor, version = excluded.version,
        updated_at = excluded.updated_at`,
      values: [
        balances.map((b) => b.accountId),
        balances.map((b) => b.row.unit),
        balances.map((b) => b.row.balanceMinor.toString()),
        balances.map((b) => b.row.heldMinor.toString()),
        balances.map((b) => b.row.debtMinor.toString()),
        balances.map((b) => b.row.version.toString()),
        balances.map(() => nowIso),
      ],
    },
    {
      table: "lots",
      columns: [
        ["account_id", "text"],
        ["lot_id", "text"],
        ["unit", "text"],
        ["source", "text"],
        ["priority", "integer"],
        ["expires_at", "timestamptz"],
        ["granted_minor", "bigint"],
        ["remaining_minor", "bigint"],
        ["held_minor", "bigint"],
        ["transaction_id", "text"],
        ["created_at", "timestamptz"],
      ],
      onConflict: `on conflict (account_id, lot_id) do update set granted_minor = excluded.granted_minor,
        remaining_minor = excluded.remaining_minor, held_minor = excluded.held_minor`,
      values: [
        lots.map((l) => l.accountId),
        lots.map((l) => l.lot.lotId),
        lots.map((l) => l.lot.unit),
        lots.map((l) => l.lot.source),
        lots.map((l) => l.lot.priority),
        lots.map((l) => iso(l.lot.expiresAt)),
        lots.map((l) => l.lot.grantedMinor.toString()),
        lots.map((l) => l.lot.remainingMinor.toString()),
        lots.map((l) => l.lot.heldMinor.toString()),
        lots.map((l) => l.lot.transactionId),
        lots.map((l) => l.lot.createdAt.toISOString()),
      ],
    },
    {
      table: "holds",
      columns: [
        ["account_id", "text"],
        ["hold_id", "text"],
        ["unit", "text"],
        ["amount_minor", "bigint"],
        ["captured_minor", "bigint"],
        ["status", "text"],
        ["expires_at", "timestamptz"],
        ["allocations", "jsonb"],
        ["member_account_id", "text"],
        ["transaction_id", "text"],
        ["created_at", "timestamptz"],
        ["updated_at", "timestamptz"],
      ],
      onConflict: `on conflict (account_id, hold_id) do update set captured_minor = excluded.captured_minor,
        status = excluded.status, transaction_id = excluded.transaction_id, updated_at = excluded.updated_at`,
      values: [
        holds.map((h) => h.accountId),
        holds.map((h) => h.holdId),
        holds.map((h) => h.unit),
        holds.map((h) => h.amountMinor.toString()),
        holds.map((h) => h.capturedMinor.toString()),
        holds.map((h) => h.status),
        holds.map((h) => h.expiresAt.toISOString()),
        holds.map((h) => encodeAllocations(h.allocations)),
        holds.map((h) => h.memberAccountId),
        holds.map((h) => h.transactionId),
        holds.map((h) => h.createdAt.toISOString()),
        holds.map(() => nowIso),
      ],
    },
    {
      table: "member_limits",
      columns: [
        ["account_id", "text"],
        ["member_account_id", "text"],
        ["unit", "text"],
        ["cap_minor", "bigint"],
        ["spent_minor", "bigint"],
        ["held_minor", "bigint"],
      ],
      onConflict: `on conflict (account_id, member_account_id, unit) do update set spent_minor = excluded.spent_minor,
        held_minor = excluded.held_minor`,
      values: [
        members.map((m) => m.accountId),
        members.map((m) => m.limit.memberAccountId),
        members.map((m) => m.limit.unit),
        members.map((m) => text(m.limit.capMinor)),
        members.map((m) => m.limit.spentMinor.toString()),
        members.map((m) => m.limit.heldMinor.toString()),
      ],
    },
    {
      table: "subscriptions",
      columns: [
        ["account_id", "text"],
        ["subscription_id", "text"],
        ["plan_id", "text"],
        ["plan_version", "integer"],
        ["status", "text"],
        ["anchor_at", "timestamptz"],
        ["period_start", "timestamptz"],
        ["period_end", "timestamptz"],
        ["pending_plan_id", "text"],
        ["pending_plan_version", "integer"],
        ["cancel_at_period_end", "boolean"],
        ["canceled_at", "timestamptz"],
        ["version", "bigint"],
        ["created_at", "timestamptz"],
        ["updated_at", "timestamptz"],
      ],
      // One row per account: a new subscription (after a canceled one) takes the row over.
      onConflict: `on conflict (account_id) do update set subscription_id = excluded.subscription_id,
        plan_id = excluded.plan_id, plan_version = excluded.plan_version, status = excluded.status,
        anchor_at = excluded.anchor_at, period_start = excluded.period_start, period_end = excluded.period_end,
        pending_plan_id = excluded.pending_plan_id, pending_plan_version = excluded.pending_plan_version,
        cancel_at_period_end = excluded.cancel_at_period_end, canceled_at = excluded.canceled_at,
        version = excluded.version, created_at = excluded.created_at, updated_at = excluded.updated_at`,
      values: [
        subscriptionAccounts,
        subscriptions.map((s) => s.subscriptionId),
        subscriptions.map((s) => s.planId),
        subscriptions.map((s) => s.planVersion),
        subscriptions.map((s) => s.status),
        subscriptions.map((s) => s.anchorAt.toISOString()),
        subscriptions.map((s) => s.periodStart.toISOString()),
        subscriptions.map((s) => s.periodEnd.toISOString()),
        subscriptions.map((s) => s.pendingChange?.planId ?? null),
        subscriptions.map((s) => s.pendingChange?.planVersion ?? null),
        subscriptions.map((s) => s.cancelAtPeriodEnd),
        subscriptions.map((s) => iso(s.canceledAt)),
        subscriptions.map((s) => s.version.toString()),
        subscriptions.map((s) => s.createdAt.toISOString()),
        subscriptions.map(() => nowIso),
      ],
    },
    {
      table: "idempotency_keys",
      columns: [
        ["account_id", "text"],
        ["idempotency_key", "text"],
        ["request_hash", "text"],
        ["result", "jsonb"],
        ["created_at", "timestamptz"],
      ],
      onConflict: "",
      values: [
        idempotency.map((r) => r.accountId),
        idempotency.map((r) => r.idempotencyKey),
        idempotency.map((r) => r.requestHash),
        idempotency.map((r) => r.resultJson),
        idempotency.map((r) => r.createdAt.toISOString()),
      ],
    },
  ];
}
