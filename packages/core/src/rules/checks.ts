import { type AccountState, type BatchContext, peekBalanceRow } from "../account-state.ts";
import type { MemberLimit } from "../model.ts";
import { AMOUNT_MINOR_MAX, BALANCE_MINOR_MAX } from "../money.ts";
import { type Failure, fail } from "../result-codes.ts";

/** The unit an operation names, or the deployment's default; `unit_not_found` if unknown. */
export function resolveUnit(ctx: BatchContext, unit: string | undefined): string | Failure {
  const name = unit ?? ctx.config.defaultUnit;
  return ctx.units.has(name) ? name : fail("unit_not_found", { message: `unknown unit "${name}"` });
}

/** Amounts are positive (or zero where `allowZero`) and at most AMOUNT_MINOR_MAX. */
export function checkAmount(amountMinor: bigint, options: { allowZero?: boolean } = {}): Failure | null {
  const low = options.allowZero ? 0n : 1n;
  if (typeof amountMinor !== "bigint" || amountMinor < low || amountMinor > AMOUNT_MINOR_MAX) {
    return fail("invalid_amount", {
      message: `amount must be an integer from ${low} to ${AMOUNT_MINOR_MAX} minor units`,
    });
  }
  return null;
}

export function checkBalanceLimit(state: AccountState, unit: string, addedMinor: bigint): Failure | null {
  const row = peekBalanceRow(state, unit);
  return row.balanceMinor + addedMinor > BALANCE_MINOR_MAX ? fail("balance_limit_exceeded") : null;
}

/**
 * For a draw by an organization's member: the member must belong to the organization, and
 * what it has spent and holds plus this amount must stay within its cap.
 */
export function checkMember(
  state: AccountState,
  member: { named: boolean; accountId: string | null },
  unit: string,
  amountMinor: bigint,
): { failure: Failure } | { limit: MemberLimit | null } {
  if (!member.named) return { limit: null };
  const limits = member.accountId ? state.members.get(member.accountId) : undefined;
  if (!member.accountId || !limits) {
    return { failure: fail("member_not_found", { message: "the member does not belong to this organization" }) };
  }
  // A member without a limit in this unit gets one when it first spends (markMember
  // attaches it), not here: a check that fails must leave the state as it was.
  const limit = limits.get(unit) ?? {
    memberAccountId: member.accountId,
    unit,
    capMinor: null,
    spentMinor: 0n,
    heldMinor: 0n,
  };
  if (limit.capMinor !== null) {
    const headroom = limit.capMinor - limit.spentMinor - limit.heldMinor;
    if (amountMinor > headroom) {
      return {
        failure: fail("member_cap_exceeded", {
          requiredMinor: amountMinor,
          availableMinor: headroom > 0n ? headroom : 0n,
          capMinor: limit.capMinor,
        }),
      };
    }
  }
  return { limit };
}
