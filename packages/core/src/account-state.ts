import type { IdGenerator } from "./ids.ts";
import type { LedgerConfig } from "./ledger-config.ts";
import type { Account, BalanceRow, Entry, Hold, Lot, MemberLimit, TransactionRecord, Unit } from "./model.ts";
import type { PlanCatalog } from "./plans/plan.ts";
import type { SubscriptionState } from "./plans/subscription.ts";

/**
 * One account as a batch sees it, loaded under the account's row lock. The rules mutate
 * it in memory; the store writes back what `LedgerWrites` marks as changed.
 */
export interface AccountState {
  account: Account;
  balances: Map<string, BalanceRow>;
  /** Live lots (something remaining or held), plus any a refund or reversal touches. */
  lots: Map<string, Lot>;
  /** Active holds, plus any an operation in the batch names. */
  holds: Map<string, Hold>;
  /** For organizations: member account id → unit → limit. A member has a map, maybe empty. */
  members: Map<string, Map<string, MemberLimit>>;
  /** The account's subscription (one per account, canceled ones included); absent when it never had one. */
  subscription?: SubscriptionState | null;
}

/** A transaction that a refund or reversal refers to, with what has undone it so far. */
export interface PriorTransaction {
  record: TransactionRecord;
  /** Entries of the transaction and of every refund or reversal of it, in order. */
  entries: Entry[];
  refundedMinor: bigint;
  reversed: boolean;
}

/** Everything a batch changed, for the store to persist in the same database transaction. */
export interface LedgerWrites {
  transactions: TransactionRecord[];
  entries: Entry[];
  lots: Map<string, { accountId: string; lot: Lot }>;
  holds: Map<string, Hold>;
  balances: Map<string, { accountId: string; row: BalanceRow }>;
  members: Map<string, { accountId: string; limit: MemberLimit }>;
  /** Keyed by account id: an account has one subscription row. */
  subscriptions: Map<string, { accountId: string; subscription: SubscriptionState }>;
  /** Each period a renewal granted something for, in order: the batch's `subscription.renewed` events. */
  renewals: PeriodRenewal[];
  /** Each lot of source `pack` granted, in order: the batch's `pack.purchased` events. */
  packGrants: PackGrant[];
}

/** A period that renewal started and granted, with the grant transactions (one per allocation granted). */
export interface PeriodRenewal {
  accountId: string;
  subscriptionId: string;
  planId: string;
  planVersion: number;
  periodStart: Date;
  periodEnd: Date;
  transactionIds: string[];
}

/** A pack's lot, granted by a grant of source `pack`; `packId` is null when the grant named no pack. */
export interface PackGrant {
  accountId: string;
  packId: string | null;
  transactionId: string;
  lotId: string;
}

export function emptyWrites(): LedgerWrites {
  return {
    transactions: [],
    entries: [],
    lots: new Map(),
    holds: new Map(),
    balances: new Map(),
    members: new Map(),
    subscriptions: new Map(),
    renewals: [],
    packGrants: [],
  };
}

/** What the rules need besides the state: the clock, ids and the deployment's config. */
export interface BatchContext {
  now: Date;
  newId: IdGenerator;
  config: LedgerConfig;
  units: ReadonlyMap<string, Unit>;
  accounts: Map<string, AccountState>;
  priorTransactions: Map<string, PriorTransaction>;
  writes: LedgerWrites;
  /**
   * The deployment's plans, so a spend a plan refuses names the plans that would allow it;
   * absent, the refusal names none. What is refused is decided by the account's own plan version.
   */
  catalog?: PlanCatalog;
}

export function balanceRowOf(state: AccountState, unit: string): BalanceRow {
  let row = state.balances.get(unit);
  if (!row) {
    row = { unit, balanceMinor: 0n, heldMinor: 0n, debtMinor: 0n, version: 0n };
    state.balances.set(unit, row);
  }
  return row;
}

/**
 * The balance in `unit` for a check, without adding a row to the state: a check that fails
 * must leave the account exactly as it was loaded.
 */
export function peekBalanceRow(state: AccountState, unit: string): BalanceRow {
  return state.balances.get(unit) ?? { unit, balanceMinor: 0n, heldMinor: 0n, debtMinor: 0n, version: 0n };
}

/**
 * The one map key of an account's balance in a unit: `LedgerWrites.balances` is keyed by it, and
 * so is every map the store compares against it (a batch's starting balances, its thresholds).
 * NUL cannot occur in an id or a unit, so no two pairs share a key.
 *
 * @example
 * ctx.writes.balances.get(accountUnitKey(accountId, "credits"));
 */
export function accountUnitKey(accountId: string, unit: string): string {
  return `${accountId}\u0000${unit}`;
}

export function markBalance(ctx: BatchContext, state: AccountState, row: BalanceRow): void {
  ctx.writes.balances.set(accountUnitKey(state.account.accountId, row.unit), {
    accountId: state.account.accountId,
    row,
  });
}

export function markLot(ctx: BatchContext, state: AccountState, lot: Lot): void {
  ctx.writes.lots.set(lot.lotId, { accountId: state.account.accountId, lot });
}

export function markHold(ctx: BatchContext, hold: Hold): void {
  ctx.writes.holds.set(hold.holdId, hold);
}

/** Marks a member's limit as changed, attaching it to the state if a check created it. */
export function markMember(ctx: BatchContext, state: AccountState, limit: MemberLimit): void {
  const limits = state.members.get(limit.memberAccountId);
  if (limits && !limits.has(limit.unit)) limits.set(limit.unit, limit);
  ctx.writes.members.set(`${state.account.accountId}\u0000${limit.memberAccountId}\u0000${limit.unit}`, {
    accountId: state.account.accountId,
    limit,
  });
}

/**
 * Marks the account's subscription as changed (its version counts each change), so the store
 * writes it with the grants that changed it.
 *
 * @example
 * subscription.periodEnd = next.end;
 * markSubscription(ctx, state);
 */
export function markSubscription(ctx: BatchContext, state: AccountState): void {
  const subscription = state.subscription;
  if (!subscription) throw new Error(`account ${state.account.accountId} has no subscription to mark`);
  subscription.version += 1;
  ctx.writes.subscriptions.set(state.account.accountId, { accountId: state.account.accountId, subscription });
}

/** available = balance − held: what a new hold or charge may take. */
export function availableOf(row: BalanceRow): bigint {
  return row.balanceMinor - row.heldMinor;
}
