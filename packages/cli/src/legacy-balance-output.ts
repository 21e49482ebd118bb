import type { BalanceView } from "@tollgate/core";
import type { Ledger } from "@tollgate/store";
import { formatIn } from "./amounts.ts";
import { table } from "./output.ts";

/** A balance with amounts as decimal strings in the unit's scale, for --json. */
export function balanceJson(ledger: Pick<Ledger, "units">, view: BalanceView) {
  const amount = (minor: bigint) => formatIn(ledger, view.unit, minor);
  return {
    unit: view.unit,
    balance: amount(view.balanceMinor),
    held: amount(view.heldMinor),
    available: amount(view.availableMinor),
    debt: amount(view.debtMinor),
    lots: view.lots.map((lot) => ({
      lotId: lot.lotId,
      source: lot.source,
      priority: lot.priority,
      remaining: amount(lot.remainingMinor),
      held: amount(lot.heldMinor),
      expiresAt: lot.expiresAt?.toISOString() ?? null,
      createdAt: lot.createdAt.toISOString(),
    })),
  };
}

/** One summary line per unit, then its live lots in spend order when `withLots`. */
export function balanceLines(ledger: Pick<Ledger, "units">, views: BalanceView[], withLots: boolean): string[] {
  if (views.length === 0) return ["no balances yet"];
  const lines: string[] = [];
  for (const view of views) {
    const json = balanceJson(ledger, view);
    lines.push(
      ...table([
        [json.unit, `balance ${json.balance}`, `held ${json.held}`, `available ${json.available}`, `debt ${json.debt}`],
      ]),
    );
    if (!withLots) continue;
    if (json.lots.length === 0) lines.push("  no live lots");
    const rows = json.lots.map((lot) => [
      lot.lotId,
      lot.source,
      `priority ${lot.priority}`,
      `remaining ${lot.remaining}`,
      `held ${lot.held}`,
      lot.expiresAt ? `expires ${lot.expiresAt}` : "no expiry",
    ]);
    lines.push(...table(rows, "  "));
  }
  return lines;
}

/** "credits 100, usd 12.50": what a list shows per account. */
export function balancesInline(ledger: Pick<Ledger, "units">, views: BalanceView[]): string {
  if (views.length === 0) return "no balances";
  return views.map((view) => `${view.unit} ${formatIn(ledger, view.unit, view.balanceMinor)}`).join(", ");
}
