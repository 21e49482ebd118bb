import type {
  Account,
  AccountType,
  BalanceRow,
  Entry,
  GrantSource,
  Hold,
  HoldAllocation,
  HoldStatus,
  Lot,
  MemberLimit,
  TransactionKind,
  TransactionRecord,
} from "@tollgate/core";

/** Database rows as they come back (int8 as bigint, timestamptz as Date) and their domain shapes. */

export interface AccountDbRow {
  account_id: string;
  type: AccountType;
  external_id: string;
  overdraft_limit_minor: bigint;
  created_at: Date;
}

export const toAccount = (row: AccountDbRow): Account => ({
  accountId: row.account_id,
  type: row.type,
  externalId: row.external_id,
  overdraftLimitMinor: row.overdraft_limit_minor,
  createdAt: row.created_at,
});

export interface BalanceDbRow {
  account_id: string;
  unit: string;
  balance_minor: bigint;
  held_minor: bigint;
  debt_minor: bigint;
  version: bigint;
}

export const toBalance = (row: BalanceDbRow): BalanceRow => ({
  unit: row.unit,
  balanceMinor: row.balance_minor,
  heldMinor: row.held_minor,
  debtMinor: row.debt_minor,
  version: row.version,
});

export interface LotDbRow {
  account_id: string;
  lot_id: string;
  unit: string;
  source: GrantSource;
  priority: number;
  expires_at: Date | null;
  granted_minor: bigint;
  remaining_minor: bigint;
  held_minor: bigint;
  transaction_id: string;
  created_at: Date;
}

export const toLot = (row: LotDbRow): Lot => ({
  lotId: row.lot_id,
  unit: row.unit,
  source: row.source,
  priority: row.priority,
  expiresAt: row.expires_at,
  grantedMinor: row.granted_minor,
  remainingMinor: row.remaining_minor,
  heldMinor: row.held_minor,
  createdAt: row.created_at,
  transactionId: row.transaction_id,
});

export interface HoldDbRow {
  account_id: string;
  hold_id: string;
  unit: string;
  amount_minor: bigint;
  captured_minor: bigint;
  status: HoldStatus;
  expires_at: Date;
  allocations: Array<{ lotId: string; amountMinor: string }>;
  member_account_id: string | null;
  transaction_id: string | null;
  created_at: Date;
}

export const toHold = (row: HoldDbRow): Hold => ({
  holdId: row.hold_id,
  accountId: row.account_id,
  unit: row.unit,
  amountMinor: row.amount_minor,
  capturedMinor: row.captured_minor,
  status: row.status,
  expiresAt: row.expires_at,
  allocations: row.allocations.map(
    (allocation): HoldAllocation => ({ lotId: allocation.lotId, amountMinor: BigInt(allocation.amountMinor) }),
  ),
  memberAccountId: row.member_account_id,
  createdAt: row.created_at,
  transactionId: row.transaction_id,
});

export const encodeAllocations = (allocations: HoldAllocation[]): string =>
  JSON.stringify(allocations.map((a) => ({ lotId: a.lotId, amountMinor: a.amountMinor.toString() })));

export interface TransactionDbRow {
  account_id: string;
  transaction_id: string;
  kind: TransactionKind;
  unit: string;
  amount_minor: bigint;
  reverses_transaction_id: string | null;
  hold_id: string | null;
  member_account_id: string | null;
  reason: string | null;
  idempotency_key: string | null;
  created_at: Date;
}

export const toTransaction = (row: TransactionDbRow): TransactionRecord => ({
  transactionId: row.transaction_id,
  accountId: row.account_id,
  kind: row.kind,
  unit: row.unit,
  amountMinor: row.amount_minor,
  reversesTransactionId: row.reverses_transaction_id,
  holdId: row.hold_id,
  memberAccountId: row.member_account_id,
  reason: row.reason,
  idempotencyKey: row.idempotency_key,
  createdAt: row.created_at,
});

export interface EntryDbRow {
  account_id: string;
  entry_id: bigint;
  transaction_id: string;
  unit: string;
  amount_minor: bigint;
  lot_id: string | null;
  balance_before_minor: bigint | null;
  balance_after_minor: bigint | null;
  version: bigint | null;
  created_at: Date;
}

export const toEntry = (row: EntryDbRow): Entry => ({
  transactionId: row.transaction_id,
  accountId: row.account_id,
  unit: row.unit,
  amountMinor: row.amount_minor,
  lotId: row.lot_id,
  balanceBeforeMinor: row.balance_before_minor,
  balanceAfterMinor: row.balance_after_minor,
  version: row.version,
  createdAt: row.created_at,
});

export interface MemberLimitDbRow {
  account_id: string;
  member_account_id: string;
  unit: string | null;
  cap_minor: bigint | null;
  spent_minor: bigint | null;
  held_minor: bigint | null;
}

export const toMemberLimit = (row: MemberLimitDbRow & { unit: string }): MemberLimit => ({
  memberAccountId: row.member_account_id,
  unit: row.unit,
  capMinor: row.cap_minor,
  spentMinor: row.spent_minor ?? 0n,
  heldMinor: row.held_minor ?? 0n,
});
