import assert from "node:assert/strict";
import type { AccountState, BatchContext, PriorTransaction } from "../account-state.ts";
import { emptyWrites } from "../account-state.ts";
import { applyOperation } from "../apply-operation.ts";
import { ID_PREFIXES, type IdKind } from "../ids.ts";
import { DEFAULT_LEDGER_CONFIG, type LedgerConfig } from "../ledger-config.ts";
import type { AccountType, MemberLimit } from "../model.ts";
import type { Operation, OperationKind, OutcomeByKind } from "../operations.ts";
import type { FailureCode, FailureDetails, Result } from "../result-codes.ts";
import { sweepAccount } from "../rules/expire.ts";

/**
 * An in-memory stand-in for the store around the pure rules, for table tests: it keeps one
 * `BatchContext` alive across operations and resolves references the way the store does
 * (accounts by id, holds by their account, refunds and reversals by the transaction's
 * entries so far). Ids are deterministic (`lot_0001`), so a failing test names the same
 * records on every run.
 *
 * @example
 * const batch = createTestBatch({ now: new Date("2030-01-01T00:00:00Z") });
 * const user = addTestAccount(batch, { type: "user" });
 * run(batch, { kind: "grant", account: { accountId: user.account.accountId }, amountMinor: 10n, source: "promo", idempotencyKey: "g1" });
 */
export function createTestBatch(options: { now?: Date; config?: LedgerConfig } = {}): BatchContext {
  const config = options.config ?? DEFAULT_LEDGER_CONFIG;
  const counters = new Map<IdKind, number>();
  return {
    now: options.now ?? new Date("2030-01-01T00:00:00.000Z"),
    newId: (kind) => {
      const next = (counters.get(kind) ?? 0) + 1;
      counters.set(kind, next);
      return `${ID_PREFIXES[kind]}_${String(next).padStart(4, "0")}`;
    },
    config,
    units: new Map(config.units.map((unit) => [unit.unit, { ...unit }])),
    accounts: new Map(),
    priorTransactions: new Map(),
    writes: emptyWrites(),
  };
}

/** Adds an account as the store would load it: no balances, lots or holds yet. */
export function addTestAccount(
  ctx: BatchContext,
  options: { type?: AccountType; externalId?: string; overdraftLimitMinor?: bigint } = {},
): AccountState {
  const accountId = ctx.newId("account");
  const state: AccountState = {
    account: {
      accountId,
      type: options.type ?? "user",
      externalId: options.externalId ?? accountId,
      overdraftLimitMinor: options.overdraftLimitMinor ?? ctx.config.overdraftLimitMinorDefault,
      createdAt: ctx.now,
    },
    balances: new Map(),
    lots: new Map(),
    holds: new Map(),
    members: new Map(),
  };
  ctx.accounts.set(accountId, state);
  return state;
}

/** Lets `member` draw from `organization`, with an optional cap in one unit. */
export function addTestMember(
  organization: AccountState,
  member: AccountState,
  limit: { unit: string; capMinor: bigint | null } | null = null,
): void {
  const limits = new Map<string, MemberLimit>();
  if (limit) {
    limits.set(limit.unit, {
      memberAccountId: member.account.accountId,
      unit: limit.unit,
      capMinor: limit.capMinor,
      spentMinor: 0n,
      heldMinor: 0n,
    });
  }
  organization.members.set(member.account.accountId, limits);
}

/** Moves the batch's clock forward by `ms`. */
export function advance(ctx: BatchContext, ms: number): void {
  ctx.now = new Date(ctx.now.getTime() + ms);
}

/**
 * Applies one operation, resolving its references as the store does. A member named by
 * external id resolves to a loaded user account with that external id, or to none.
 */
export function run<K extends OperationKind>(
  ctx: BatchContext,
  op: Extract<Operation, { kind: K }>,
): Result<OutcomeByKind[K]> {
  return applyOperation(ctx, resolve(ctx, op)) as Result<OutcomeByKind[K]>;
}

function resolve(ctx: BatchContext, op: Operation) {
  switch (op.kind) {
    case "grant":
    case "authorize":
    case "charge":
    case "deduct":
    case "subscribe":
    case "change_plan":
    case "cancel_subscription":
    case "set_subscription_status":
    case "renew": {
      const accountId = "accountId" in op.account ? op.account.accountId : null;
      const member = "member" in op ? op.member : undefined;
      let memberAccountId: string | null = null;
      if (member !== undefined) {
        for (const state of ctx.accounts.values()) {
          if (state.account.type === "user" && state.account.externalId === member) {
            memberAccountId = state.account.accountId;
          }
        }
      }
      return { op, accountId: accountId && ctx.accounts.has(accountId) ? accountId : null, memberAccountId };
    }
    case "settle":
    case "release":
      return { op, accountId: holdAccount(ctx, op.holdId), memberAccountId: null };
    case "refund":
    case "reverse":
    case "claw_back": {
      ctx.priorTransactions.clear();
      const prior = priorFromWrites(ctx, op.transactionId);
      if (prior) ctx.priorTransactions.set(op.transactionId, prior);
      return { op, accountId: prior?.record.accountId ?? null, memberAccountId: null };
    }
  }
}

/** What the store loads for a refund or reversal: the transaction and every undo of it so far. */
function priorFromWrites(ctx: BatchContext, transactionId: string): PriorTransaction | undefined {
  const record = ctx.writes.transactions.find((transaction) => transaction.transactionId === transactionId);
  if (!record) return undefined;
  const undos = ctx.writes.transactions.filter((transaction) => transaction.reversesTransactionId === transactionId);
  const ids = new Set([transactionId, ...undos.map((undo) => undo.transactionId)]);
  return {
    record,
    entries: ctx.writes.entries.filter((entry) => ids.has(entry.transactionId)),
    refundedMinor: undos.filter((undo) => undo.kind === "refund").reduce((sum, undo) => sum + undo.amountMinor, 0n),
    reversed: undos.some((undo) => undo.kind === "reversal"),
  };
}

/** Brings an account up to `ctx.now`, as `Ledger.sweepExpired` does. */
export function sweep(ctx: BatchContext, state: AccountState): void {
  sweepAccount(ctx, state);
}

/** The value of a result that must have succeeded; fails the test with the code otherwise. */
export function expectOk<T>(result: Result<T>): T {
  if (!result.ok) assert.fail(`expected success, got ${result.code} ${JSON.stringify(result.details, bigintJson)}`);
  return result.value;
}

/** The details of a result that must have failed with `code`. */
export function expectFailure(result: Result<unknown>, code: FailureCode): FailureDetails {
  if (result.ok) assert.fail(`expected ${code}, got success ${JSON.stringify(result.value, bigintJson)}`);
  assert.equal(result.code, code);
  return result.details;
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

/** The account holding `holdId`, found the way the store finds it: by the hold's own row. */
function holdAccount(ctx: BatchContext, holdId: string): string | null {
  for (const [accountId, state] of ctx.accounts) if (state.holds.has(holdId)) return accountId;
  return null;
}
