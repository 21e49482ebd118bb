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
