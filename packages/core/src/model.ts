/** The ledger's records, as the core sees them. Amounts are bigint minor units. */

export const ACCOUNT_TYPES = ["user", "organization", "guest"] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export const GRANT_SOURCES = ["signup", "plan", "pack", "purchase", "promo", "admin", "refund"] as const;
export type GrantSource = (typeof GRANT_SOURCES)[number];

/** Sources a guest may not receive: guests get a free allowance and cannot buy. */
export const PAID_SOURCES: ReadonlySet<GrantSource> = new Set(["pack", "purchase", "plan"]);

export interface Account {
  accountId: string;
  type: AccountType;
  /** The app's own id for this user, organization or guest. */
  externalId: string;
  /** How far `available` may go below zero when a settlement overruns its hold. */
  overdraftLimitMinor: bigint;
  createdAt: Date;
}

/** How the app names an account: by its own id, or by Tollgate's. */
export type AccountRef = { type: AccountType; externalId: string } | { accountId: string };

export interface Unit {
  unit: string;
  /** Decimal places of one minor unit; fixed when the unit is created. */
  scale: number;
}

/** Per account and unit. balance = Σ entries = Σ live lots' remaining − debt. */
export interface BalanceRow {
  unit: string;
  balanceMinor: bigint;
  heldMinor: bigint;
  debtMinor: bigint;
  /** Counts the account's entries in this unit; each entry records the version it made. */
  version: bigint;
}

/** A grant of credits (a lot): spent in priority, then soonest-expiry, then oldest order. */
export interface Lot {
  lotId: string;
  unit: string;
  source: GrantSource;
  /** Lower spends first. */
  priority: number;
  expiresAt: Date | null;
  grantedMinor: bigint;
  remainingMinor: bigint;
  /** The part of `remainingMinor` reserved by active holds. */
  heldMinor: bigint;
  createdAt: Date;
  /** The grant transaction that created this lot. */
  transactionId: string;
}

export type HoldStatus = "active" | "settled" | "released" | "expired";

/** Which lots a hold reserved, and how much of each. */
export interface HoldAllocation {
  lotId: string;
  amountMinor: bigint;
}

export interface Hold {
  holdId: string;
  accountId: string;
  unit: string;
  amountMinor: bigint;
  capturedMinor: bigint;
  status: HoldStatus;
  expiresAt: Date;
  allocations: HoldAllocation[];
  memberAccountId: string | null;
  createdAt: Date;
  /** The settle transaction, once settled. */
  transactionId: string | null;
}

export const TRANSACTION_KINDS = [
  "grant",
  "charge",
  "settle",
  "refund",
  "reversal",
  "deduction",
  "expiry",
  "clawback",
] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

export interface TransactionRecord {
  transactionId: string;
  /** The customer account the transaction concerns. */
  accountId: string;
  kind: TransactionKind;
  unit: string;
  /** The principal amount moved, positive. */
  amountMinor: bigint;
  /** For refunds and reversals: the transaction they undo. */
  reversesTransactionId: string | null;
  holdId: string | null;
  memberAccountId: string | null;
  reason: string | null;
  idempotencyKey: string | null;
  createdAt: Date;
}

/**
 * One line of double entry. Customer entries carry the balance before and after and the
 * version they made; system accounts are too hot to keep a running balance, so theirs are null.
 */
export interface Entry {
  transactionId: string;
  accountId: string;
  unit: string;
  /** Signed: positive credits the account. */
  amountMinor: bigint;
  /** The lot this entry moved, or null for debt and system entries. */
  lotId: string | null;
  balanceBeforeMinor: bigint | null;
  balanceAfterMinor: bigint | null;
  version: bigint | null;
  createdAt: Date;
}

/** A user drawing from an organization's balance, with an optional cap per unit. */
export interface MemberLimit {
  memberAccountId: string;
  unit: string;
  capMinor: bigint | null;
  spentMinor: bigint;
  heldMinor: bigint;
}
