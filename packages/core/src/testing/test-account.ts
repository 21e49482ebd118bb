import { type AccountState, availableOf, type BatchContext, peekBalanceRow } from "../account-state.ts";
import type { AccountType, GrantSource } from "../model.ts";
import type {
  AuthorizeOperation,
  ChargeOperation,
  GrantOperation,
  OutcomeByKind,
  RefundOperation,
  SettleOperation,
} from "../operations.ts";
import type { Result } from "../result-codes.ts";
import { addTestAccount, run } from "./test-batch.ts";

let keyCounter = 0;

/** A fresh idempotency key; table tests never replay (the store does that). */
export function nextKey(): string {
  return `test-key-${++keyCounter}`;
}

type Fields<T> = Partial<Omit<T, "kind" | "account" | "amountMinor" | "idempotencyKey">>;

/** One account's balance in a unit, as plain numbers to compare. */
export interface BalanceSnapshot {
  balanceMinor: bigint;
  heldMinor: bigint;
  availableMinor: bigint;
  debtMinor: bigint;
}

/**
 * A test's handle on one account: each method applies one operation with a fresh key and
 * returns its result, so a test reads as the story it tells.
 *
 * @example
 * const user = testAccount(batch);
 * user.grant(100n);
 * expectOk(user.charge(30n));
 * assert.deepEqual(user.balance(), { balanceMinor: 70n, heldMinor: 0n, availableMinor: 70n, debtMinor: 0n });
 */
export interface TestAccount {
  state: AccountState;
  ref: { accountId: string };
  grant(amountMinor: bigint, fields?: Fields<GrantOperation>): Result<OutcomeByKind["grant"]>;
  authorize(amountMinor: bigint, fields?: Fields<AuthorizeOperation>): Result<OutcomeByKind["authorize"]>;
  charge(amountMinor: bigint, fields?: Fields<ChargeOperation>): Result<OutcomeByKind["charge"]>;
  deduct(amountMinor: bigint, reason?: string): Result<OutcomeByKind["deduct"]>;
  balance(unit?: string): BalanceSnapshot;
  /** Remaining (and held) per lot in spend order of creation, keyed by lot id. */
  lots(unit?: string): Array<{ lotId: string; source: GrantSource; remainingMinor: bigint; heldMinor: bigint }>;
}

export function testAccount(
  ctx: BatchContext,
  options: { type?: AccountType; externalId?: string; overdraftLimitMinor?: bigint } = {},
): TestAccount {
  const state = addTestAccount(ctx, options);
  const ref = { accountId: state.account.accountId };
  return {
    state,
    ref,
    grant: (amountMinor, fields = {}) =>
      run(ctx, { kind: "grant", account: ref, amountMinor, source: "promo", idempotencyKey: nextKey(), ...fields }),
    authorize: (amountMinor, fields = {}) =>
      run(ctx, { kind: "authorize", account: ref, amountMinor, idempotencyKey: nextKey(), ...fields }),
    charge: (amountMinor, fields = {}) =>
      run(ctx, { kind: "charge", account: ref, amountMinor, idempotencyKey: nextKey(), ...fields }),
    deduct: (amountMinor, reason = "test deduction") =>
      run(ctx, { kind: "deduct", account: ref, amountMinor, reason, idempotencyKey: nextKey() }),
    balance: (unit = ctx.config.defaultUnit) => {
      const row = peekBalanceRow(state, unit);
      return {
        balanceMinor: row.balanceMinor,
        heldMinor: row.heldMinor,
        availableMinor: availableOf(row),
        debtMinor: row.debtMinor,
      };
    },
    lots: (unit = ctx.config.defaultUnit) =>
      [...state.lots.values()]
        .filter((lot) => lot.unit === unit)
        .map((lot) => ({
          lotId: lot.lotId,
          source: lot.source,
          remainingMinor: lot.remainingMinor,
          heldMinor: lot.heldMinor,
        })),
  };
}

export function settle(
  ctx: BatchContext,
  holdId: string,
  amountMinor: bigint,
  fields: Partial<Pick<SettleOperation, "captureAvailable">> = {},
): Result<OutcomeByKind["settle"]> {
  return run(ctx, { kind: "settle", holdId, amountMinor, idempotencyKey: nextKey(), ...fields });
}

export function release(ctx: BatchContext, holdId: string): Result<OutcomeByKind["release"]> {
  return run(ctx, { kind: "release", holdId, idempotencyKey: nextKey() });
}

export function refund(
  ctx: BatchContext,
  transactionId: string,
  amountMinor?: RefundOperation["amountMinor"],
): Result<OutcomeByKind["refund"]> {
  return run(ctx, { kind: "refund", transactionId, amountMinor, idempotencyKey: nextKey() });
}

export function reverse(ctx: BatchContext, transactionId: string, reason = "test reversal") {
  return run(ctx, { kind: "reverse", transactionId, reason, idempotencyKey: nextKey() });
}
