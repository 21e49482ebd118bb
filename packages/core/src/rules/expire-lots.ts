import type { AccountState, BatchContext } from "../account-state.ts";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import type { Lot } from "../model.ts";
import { isExpired } from "../spend-order.ts";
import { openTransaction, postCustomerEntry, postSystemEntry } from "./posting.ts";

/**
 * Moves the unheld remainder of every lot past its expiry to the expiry account, one expiry
 * transaction per lot. Part of `sweepAccount`; its own module so that renewal, which the sweep
 * runs, can expire the lots it grants for periods already over without an import cycle.
 *
 * @example
 * expireDueLots(ctx, state); // a reset lot whose period ended at ctx.now or before is now 0
 */
export function expireDueLots(ctx: BatchContext, state: AccountState): void {
  for (const lot of state.lots.values()) {
    if (isExpired(lot, ctx.now)) expireLot(ctx, state, lot);
  }
}

/**
 * Expires the unheld remainder of one lot, whatever its expiry: the caller has decided it is
 * due. Held credits stay until their hold ends (a call in flight keeps what it reserved), and
 * a lot with nothing free writes nothing.
 *
 * @example
 * expireLot(ctx, state, lot); // lot.remainingMinor === lot.heldMinor afterwards
 */
export function expireLot(ctx: BatchContext, state: AccountState, lot: Lot): void {
  const free = lot.remainingMinor - lot.heldMinor;
  if (free <= 0n) return;
  const transaction = openTransaction(ctx, {
    accountId: state.account.accountId,
    kind: "expiry",
    unit: lot.unit,
    amountMinor: free,
    idempotencyKey: null,
  });
  postCustomerEntry(ctx, state, transaction, -free, lot);
  postSystemEntry(ctx, transaction, SYSTEM_ACCOUNTS.expiry, free);
}
