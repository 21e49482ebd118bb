import {
  type AccountState,
  type BatchContext,
  balanceRowOf,
  markBalance,
  markHold,
  markLot,
  markMember,
} from "../account-state.ts";
import type { Hold } from "../model.ts";
import { renewSubscription } from "../plans/renew.ts";
import { expireDueLots } from "./expire-lots.ts";

/**
 * Lets go of a hold's reservation on its lots, its account's `held` and its member's.
 * The hold's new status is the caller's to set.
 */
export function releaseReservation(ctx: BatchContext, state: AccountState, hold: Hold): void {
  for (const allocation of hold.allocations) {
    const lot = state.lots.get(allocation.lotId);
    if (!lot) throw new Error(`hold ${hold.holdId} reserves lot ${allocation.lotId}, which is not loaded`);
    lot.heldMinor -= allocation.amountMinor;
    markLot(ctx, state, lot);
  }
  const row = balanceRowOf(state, hold.unit);
  row.heldMinor -= hold.amountMinor;
  markBalance(ctx, state, row);
  if (hold.memberAccountId) {
    const limit = state.members.get(hold.memberAccountId)?.get(hold.unit);
    if (limit) {
      limit.heldMinor -= hold.amountMinor;
      markMember(ctx, state, limit);
    }
  }
}

/**
 * Brings an account up to `ctx.now`: releases holds past their expiry, moves the unheld
 * remainder of lots past theirs to the expiry account, then renews the subscription while its
 * period has ended (`renewSubscription`). Runs before and after every operation, so no
 * operation ever sees or draws credits that are already gone, or misses a period's allocation.
 */
export function sweepAccount(ctx: BatchContext, state: AccountState): void {
  for (const hold of state.holds.values()) {
    if (hold.status === "active" && hold.expiresAt.getTime() <= ctx.now.getTime()) {
      releaseReservation(ctx, state, hold);
      hold.status = "expired";
      markHold(ctx, hold);
    }
  }
  expireDueLots(ctx, state);
  renewSubscription(ctx, state);
}
