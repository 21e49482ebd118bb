import type {
  Account,
  BalanceRow,
  Entry,
  Hold,
  Lot,
  MemberLimit,
  SubscriptionState,
  TransactionRecord,
} from "@tollgate/core";
import type { IdempotencyRecord } from "./persist-writes.ts";
import { encodeAllocations } from "./rows.ts";

/** One column of a table a batch writes: its name, its SQL type, and its value in a row. */
export interface Column<Row> {
  name: string;
  type: string;
  /** The value sent for `row`; `nowIso` is the batch's time, for `updated_at` columns. */
  value: (row: Row, nowIso: string) => unknown;
}

/** How a batch writes one table: its columns, each described once, and what to do on conflict. */
export interface TableShape<Row> {
  table: string;
  columns: ReadonlyArray<Column<Row>>;
  onConflict: string;
}

/** A table's rows to write, with the shape that says how. */
export interface TableRows {
  shape: TableShape<unknown>;
  rows: readonly unknown[];
}

/**
 * Pairs rows with their table's shape, for `persistStatement`.
 *
 * @example
 * tableRows(LEDGER_TABLES.entries, ctx.writes.entries)
 */
export function tableRows<Row>(shape: TableShape<Row>, rows: readonly Row[]): TableRows {
  return { shape: shape as unknown as TableShape<unknown>, rows };
}

/** A table's shape from its columns, each one line: name, SQL type, value in a row. */
function shape<Row>(definition: {
  table: string;
  onConflict: string;
  columns: ReadonlyArray<readonly [name: string, type: string, value: Column<Row>["value"]]>;
}): TableShape<Row> {
  const columns = definition.columns.map(([name, type, value]) => ({ name, type, value }));
  return { table: definition.table, onConflict: definition.onConflict, columns };
}

// Amounts travel as decimal text, never as a JS number; times as ISO text.
const text = (value: bigint | null) => (value === null ? null : value.toString());
const iso = (value: Date | null) => (value === null ? null : value.toISOString());
const now = (_row: unknown, nowIso: string) => nowIso;

/** An `on conflict` that updates the named columns from the row that conflicted. */
const updating = (target: string, columns: readonly string[]) =>
  `on conflict (${target}) do update set ${columns.map((name) => `${name} = excluded.${name}`).join(", ")}`;

type Owned<Key extends string, Value> = { accountId: string } & Record<Key, Value>;

/** The tables of the ledger a batch writes, each described once. */
export const LEDGER_TABLES = {
  /**
   * No `on conflict`: an account another instance created meanwhile fails the batch, whose
   * items are then retried one by one and find it.
   */
  accounts: shape<Account>({
    table: "accounts",
    onConflict: "",
    columns: [
      ["account_id", "text", (a) => a.accountId],
      ["type", "text", (a) => a.type],
      ["external_id", "text", (a) => a.externalId],
      ["overdraft_limit_minor", "bigint", (a) => a.overdraftLimitMinor.toString()],
      ["created_at", "timestamptz", (a) => a.createdAt.toISOString()],
    ],
  }),
  transactions: shape<TransactionRecord>({
    table: "transactions",
    onConflict: "",
    columns: [
      ["account_id", "text", (t) => t.accountId],
      ["transaction_id", "text", (t) => t.transactionId],
      ["kind", "text", (t) => t.kind],
      ["unit", "text", (t) => t.unit],
      ["amount_minor", "bigint", (t) => t.amountMinor.toString()],
      ["reverses_transaction_id", "text", (t) => t.reversesTransactionId],
      ["hold_id", "text", (t) => t.holdId],
      ["member_account_id", "text", (t) => t.memberAccountId],
      ["reason", "text", (t) => t.reason],
      ["idempotency_key", "text", (t) => t.idempotencyKey],
      ["created_at", "timestamptz", (t) => t.createdAt.toISOString()],
    ],
  }),
  entries: shape<Entry>({
    table: "entries",
    onConflict: "",
    columns: [
      ["account_id", "text", (e) => e.accountId],
      ["transaction_id", "text", (e) => e.transactionId],
      ["unit", "text", (e) => e.unit],
      ["amount_minor", "bigint", (e) => e.amountMinor.toString()],
      ["lot_id", "text", (e) => e.lotId],
      ["balance_before_minor", "bigint", (e) => text(e.balanceBeforeMinor)],
      ["balance_after_minor", "bigint", (e) => text(e.balanceAfterMinor)],
      ["version", "bigint", (e) => text(e.version)],
      ["created_at", "timestamptz", (e) => e.createdAt.toISOString()],
    ],
  }),
  balances: shape<Owned<"row", BalanceRow>>({
    table: "balances",
    onConflict: updating("account_id, unit", ["balance_minor", "held_minor", "debt_minor", "version", "updated_at"]),
    columns: [
      ["account_id", "text", (b) => b.accountId],
      ["unit", "text", (b) => b.row.unit],
      ["balance_minor", "bigint", (b) => b.row.balanceMinor.toString()],
      ["held_minor", "bigint", (b) => b.row.heldMinor.toString()],
      ["debt_minor", "bigint", (b) => b.row.debtMinor.toString()],
      ["version", "bigint", (b) => b.row.version.toString()],
      ["updated_at", "timestamptz", now],
    ],
  }),
  lots: shape<Owned<"lot", Lot>>({
    table: "lots",
    onConflict: updating("account_id, lot_id", ["granted_minor", "remaining_minor", "held_minor"]),
    columns: [
      ["account_id", "text", (l) => l.accountId],
      ["lot_id", "text", (l) => l.lot.lotId],
      ["unit", "text", (l) => l.lot.unit],
      ["source", "text", (l) => l.lot.source],
      ["priority", "integer", (l) => l.lot.priority],
      ["expires_at", "timestamptz", (l) => iso(l.lot.expiresAt)],
      ["granted_minor", "bigint", (l) => l.lot.grantedMinor.toString()],
      ["remaining_minor", "bigint", (l) => l.lot.remainingMinor.toString()],
      ["held_minor", "bigint", (l) => l.lot.heldMinor.toString()],
      ["transaction_id", "text", (l) => l.lot.transactionId],
      ["created_at", "timestamptz", (l) => l.lot.createdAt.toISOString()],
    ],
  }),
  holds: shape<Hold>({
    table: "holds",
    onConflict: updating("account_id, hold_id", ["captured_minor", "status", "transaction_id", "updated_at"]),
    columns: [
      ["account_id", "text", (h) => h.accountId],
      ["hold_id", "text", (h) => h.holdId],
      ["unit", "text", (h) => h.unit],
      ["amount_minor", "bigint", (h) => h.amountMinor.toString()],
      ["captured_minor", "bigint", (h) => h.capturedMinor.toString()],
      ["status", "text", (h) => h.status],
      ["expires_at", "timestamptz", (h) => h.expiresAt.toISOString()],
      ["allocations", "jsonb", (h) => encodeAllocations(h.allocations)],
      ["member_account_id", "text", (h) => h.memberAccountId],
      ["transaction_id", "text", (h) => h.transactionId],
      ["created_at", "timestamptz", (h) => h.createdAt.toISOString()],
      ["updated_at", "timestamptz", now],
    ],
  }),
  memberLimits: shape<Owned<"limit", MemberLimit>>({
    table: "member_limits",
    onConflict: updating("account_id, member_account_id, unit", ["spent_minor", "held_minor"]),
    columns: [
      ["account_id", "text", (m) => m.accountId],
      ["member_account_id", "text", (m) => m.limit.memberAccountId],
      ["unit", "text", (m) => m.limit.unit],
      ["cap_minor", "bigint", (m) => text(m.limit.capMinor)],
      ["spent_minor", "bigint", (m) => m.limit.spentMinor.toString()],
      ["held_minor", "bigint", (m) => m.limit.heldMinor.toString()],
    ],
  }),
  /** One row per account: a new subscription (after a canceled one) takes the row over. */
  subscriptions: shape<Owned<"subscription", SubscriptionState>>({
    table: "subscriptions",
    onConflict: updating("account_id", [
      "subscription_id",
      "plan_id",
      "plan_version",
      "status",
      "anchor_at",
      "period_start",
      "period_end",
      "pending_plan_id",
      "pending_plan_version",
      "cancel_at_period_end",
      "canceled_at",
      "version",
      "created_at",
      "updated_at",
    ]),
    columns: [
      ["account_id", "text", (s) => s.accountId],
      ["subscription_id", "text", (s) => s.subscription.subscriptionId],
      ["plan_id", "text", (s) => s.subscription.planId],
      ["plan_version", "integer", (s) => s.subscription.planVersion],
      ["status", "text", (s) => s.subscription.status],
      ["anchor_at", "timestamptz", (s) => s.subscription.anchorAt.toISOString()],
      ["period_start", "timestamptz", (s) => s.subscription.periodStart.toISOString()],
      ["period_end", "timestamptz", (s) => s.subscription.periodEnd.toISOString()],
      ["pending_plan_id", "text", (s) => s.subscription.pendingChange?.planId ?? null],
      ["pending_plan_version", "integer", (s) => s.subscription.pendingChange?.planVersion ?? null],
      ["cancel_at_period_end", "boolean", (s) => s.subscription.cancelAtPeriodEnd],
      ["canceled_at", "timestamptz", (s) => iso(s.subscription.canceledAt)],
      ["version", "bigint", (s) => s.subscription.version.toString()],
      ["created_at", "timestamptz", (s) => s.subscription.createdAt.toISOString()],
      ["updated_at", "timestamptz", now],
    ],
  }),
  idempotencyKeys: shape<IdempotencyRecord>({
    table: "idempotency_keys",
    onConflict: "",
    columns: [
      ["account_id", "text", (r) => r.accountId],
      ["idempotency_key", "text", (r) => r.idempotencyKey],
      ["request_hash", "text", (r) => r.requestHash],
      ["result", "jsonb", (r) => r.resultJson],
      ["created_at", "timestamptz", (r) => r.createdAt.toISOString()],
    ],
  }),
};
