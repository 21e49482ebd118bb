import type { LedgerWrites } from "@tollgate/core";
import { encodeAllocations } from "./rows.ts";
import type { SqlExecutor } from "./sql-client.ts";

/** An idempotency record to insert with the batch's other writes. */
export interface IdempotencyRecord {
  accountId: string;
  idempotencyKey: string;
  requestHash: string;
  resultJson: string;
  createdAt: Date;
}

/**
 * Writes everything a batch changed in one statement: every table's rows travel as
 * parallel arrays and are unnested server-side, so a batch of any size is one round trip.
 */
const PERSIST_SQL = `
with
  t as (
    insert into transactions (account_id, transaction_id, kind, unit, amount_minor, reverses_transaction_id,
      hold_id, member_account_id, reason, idempotency_key, created_at)
    select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[],
      $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])
  ),
  e as (
    insert into entries (account_id, transaction_id, unit, amount_minor, lot_id, balance_before_minor,
      balance_after_minor, version, created_at)
    select * from unnest($12::text[], $13::text[], $14::text[], $15::bigint[], $16::text[], $17::bigint[],
      $18::bigint[], $19::bigint[], $20::timestamptz[])
  ),
  b as (
    insert into balances (account_id, unit, balance_minor, held_minor, debt_minor, version, updated_at)
    select * from unnest($21::text[], $22::text[], $23::bigint[], $24::bigint[], $25::bigint[], $26::bigint[],
      $27::timestamptz[])
    on conflict (account_id, unit) do update set balance_minor = excluded.balance_minor,
      held_minor = excluded.held_minor, debt_minor = excluded.debt_minor, version = excluded.version,
      updated_at = excluded.updated_at
  ),
  l as (
    insert into lots (account_id, lot_id, unit, source, priority, expires_at, granted_minor, remaining_minor,
      held_minor, transaction_id, created_at)
    select * from unnest($28::text[], $29::text[], $30::text[], $31::text[], $32::integer[], $33::timestamptz[],
      $34::bigint[], $35::bigint[], $36::bigint[], $37::text[], $38::timestamptz[])
    on conflict (account_id, lot_id) do update set granted_minor = excluded.granted_minor,
      remaining_minor = excluded.remaining_minor, held_minor = excluded.held_minor
  ),
  h as (
    insert into holds (account_id, hold_id, unit, amount_minor, captured_minor, status, expires_at, allocations,
      member_account_id, transaction_id, created_at, updated_at)
    select * from unnest($39::text[], $40::text[], $41::text[], $42::bigint[], $43::bigint[], $44::text[],
      $45::timestamptz[], $46::jsonb[], $47::text[], $48::text[], $49::timestamptz[], $50::timestamptz[])
    on conflict (account_id, hold_id) do update set captured_minor = excluded.captured_minor,
      status = excluded.status, transaction_id = excluded.transaction_id, updated_at = excluded.updated_at
  ),
  m as (
    insert into member_limits (account_id, member_account_id, unit, cap_minor, spent_minor, held_minor)
    select * from unnest($51::text[], $52::text[], $53::text[], $54::bigint[], $55::bigint[], $56::bigint[])
    on conflict (account_id, member_account_id, unit) do update set spent_minor = excluded.spent_minor,
      held_minor = excluded.held_minor
  ),
  i as (
    insert into idempotency_keys (account_id, idempotency_key, request_hash, result, created_at)
    select * from unnest($57::text[], $58::text[], $59::text[], $60::jsonb[], $61::timestamptz[])
  )
select 1`;

const text = (value: bigint | null) => (value === null ? null : value.toString());
const iso = (value: Date | null) => (value === null ? null : value.toISOString());

export async function persistWrites(
  tx: SqlExecutor,
  writes: LedgerWrites,
  idempotency: IdempotencyRecord[],
  now: Date,
): Promise<void> {
  const { transactions: t, entries: e } = writes;
  const balances = [...writes.balances.values()];
  const lots = [...writes.lots.values()];
  const holds = [...writes.holds.values()].map((value) => value.hold);
  const members = [...writes.members.values()];
  if (t.length + e.length + balances.length + lots.length + holds.length + members.length + idempotency.length === 0) {
    return;
  }
  const nowIso = now.toISOString();
  await tx.query(PERSIST_SQL, [
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
    e.map((r) => r.accountId),
    e.map((r) => r.transactionId),
    e.map((r) => r.unit),
    e.map((r) => r.amountMinor.toString()),
    e.map((r) => r.lotId),
    e.map((r) => text(r.balanceBeforeMinor)),
    e.map((r) => text(r.balanceAfterMinor)),
    e.map((r) => text(r.version)),
    e.map((r) => r.createdAt.toISOString()),
    balances.map((b) => b.accountId),
    balances.map((b) => b.row.unit),
    balances.map((b) => b.row.balanceMinor.toString()),
    balances.map((b) => b.row.heldMinor.toString()),
    balances.map((b) => b.row.debtMinor.toString()),
    balances.map((b) => b.row.version.toString()),
    balances.map(() => nowIso),
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
    members.map((m) => m.accountId),
    members.map((m) => m.limit.memberAccountId),
    members.map((m) => m.limit.unit),
    members.map((m) => text(m.limit.capMinor)),
    members.map((m) => m.limit.spentMinor.toString()),
    members.map((m) => m.limit.heldMinor.toString()),
    idempotency.map((r) => r.accountId),
    idempotency.map((r) => r.idempotencyKey),
    idempotency.map((r) => r.requestHash),
    idempotency.map((r) => r.resultJson),
    idempotency.map((r) => r.createdAt.toISOString()),
  ]);
}
