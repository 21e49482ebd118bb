import { table } from "./output.ts";

/** A live lot as the HTTP API answers it, in its balance's unit. */
export interface LotJson {
  id: string;
  source: string;
  priority: number;
  remaining: string;
  held: string;
  expiresAt: string | null;
  createdAt: string;
}

/** A balance as `GET /v1/accounts/{account}/balances` answers it. */
export interface BalanceJson {
  unit: string;
  balance: string;
  held: string;
  available: string;
  debt: string;
  lots: LotJson[];
}

/** One summary line per unit, then its live lots in spend order when `withLots`. */
export function balanceLines(balances: BalanceJson[], withLots: boolean): string[] {
  if (balances.length === 0) return ["no balances yet"];
  const lines: string[] = [];
  for (const balance of balances) {
    lines.push(
      ...table([
        [
          balance.unit,
          `balance ${balance.balance}`,
          `held ${balance.held}`,
          `available ${balance.available}`,
          `debt ${balance.debt}`,
        ],
      ]),
    );
    if (!withLots) continue;
    if (balance.lots.length === 0) lines.push("  no live lots");
    const rows = balance.lots.map((lot) => [
      lot.id,
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
export function balancesInline(balances: Array<Pick<BalanceJson, "unit" | "balance">>): string {
  if (balances.length === 0) return "no balances";
  return balances.map((balance) => `${balance.unit} ${balance.balance}`).join(", ");
}
