import type { BalanceView } from "@tollgate/core";
import { type AccountBalanceState, viewBalances } from "./reads.ts";

interface Remembered {
  views: readonly BalanceView[];
  /** The latest lot or hold expiry at or before the `now` the views were made at (-Infinity if none). */
  passedAtMs: number;
  /** The earliest expiry after it (Infinity if none): from then on the views differ. */
  nextAtMs: number;
}

/**
 * The views of a cached balance state, made once and handed out again while they stay true.
 * A view depends on `now` only through which lots and holds have expired (`expiresAt <= now`),
 * so the views made at `now` hold for every time from the last expiry already passed up to
 * the next one: a read in between gets the same frozen array, with no recomputation (and a
 * route may keep its answer's body beside it). Keyed by the state object itself, so an
 * account's new state (any write, a reload) starts afresh and the old one is collected with
 * its entry.
 *
 * @example
 * const memo = new BalanceViewMemo();
 * const views = memo.viewsOf(state, now, unit); // the same array until state or an expiry changes
 */
export class BalanceViewMemo {
  readonly #byState = new WeakMap<AccountBalanceState, Map<string, Remembered>>();

  /** `viewBalances(state, now, unit)`, frozen, reused while no expiry lies between. */
  viewsOf(state: AccountBalanceState, now: Date, unit?: string): readonly BalanceView[] {
    const nowMs = now.getTime();
    const key = unit ?? "";
    let byUnit = this.#byState.get(state);
    const remembered = byUnit?.get(key);
    if (remembered && remembered.passedAtMs <= nowMs && nowMs < remembered.nextAtMs) return remembered.views;
    const views = deepFrozen(viewBalances(state, now, unit));
    if (!byUnit) {
      byUnit = new Map();
      this.#byState.set(state, byUnit);
    }
    byUnit.set(key, { views, ...expiryBounds(state, nowMs) });
    return views;
  }
}

function expiryBounds(state: AccountBalanceState, nowMs: number): { passedAtMs: number; nextAtMs: number } {
  let passedAtMs = Number.NEGATIVE_INFINITY;
  let nextAtMs = Number.POSITIVE_INFINITY;
  const consider = (expiresAt: Date | null) => {
    if (expiresAt === null) return;
    const atMs = expiresAt.getTime();
    if (atMs <= nowMs) passedAtMs = Math.max(passedAtMs, atMs);
    else nextAtMs = Math.min(nextAtMs, atMs);
  };
  for (const lot of state.lots) consider(lot.expiresAt);
  for (const hold of state.holds) consider(hold.expiresAt);
  return { passedAtMs, nextAtMs };
}

// Shared between readers: frozen, so a caller that changed one would fail loudly, not corrupt the next read.
function deepFrozen(views: BalanceView[]): readonly BalanceView[] {
  for (const view of views) {
    for (const lot of view.lots) Object.freeze(lot);
    Object.freeze(view.lots);
    Object.freeze(view);
  }
  return Object.freeze(views);
}
