import { type BalanceView, formatMinor } from "@tollgate/core";
import type { Ledger } from "@tollgate/store";
import { unitScale } from "./unit-scale.ts";

/** A balance as the API shows it: amounts in the unit's decimals (`…/balances` adds its lots). */
export function balanceJson(ledger: Pick<Ledger, "units">, view: BalanceView) {
  const format = (minor: bigint) => formatMinor(minor, unitScale(ledger, view.unit));
  return {
    unit: view.unit,
    balance: format(view.balanceMinor),
    held: format(view.heldMinor),
    available: format(view.availableMinor),
    debt: format(view.debtMinor),
  };
}

/**
 * A balance with its live lots in spend order, as `GET /v1/accounts/{account}/balances`
 * answers it (the `Balance` schema), for every route that shows an account's balances.
 */
export function balanceWithLotsJson(ledger: Pick<Ledger, "units">, view: BalanceView) {
  const scale = unitScale(ledger, view.unit);
  return {
    ...balanceJson(ledger, view),
    lots: view.lots.map((lot) => ({
      id: lot.lotId,
      source: lot.source,
      priority: lot.priority,
      remaining: formatMinor(lot.remainingMinor, scale),
      held: formatMinor(lot.heldMinor, scale),
      expiresAt: lot.expiresAt?.toISOString() ?? null,
      createdAt: lot.createdAt.toISOString(),
    })),
  };
}
