import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { contextOf } from "../context.ts";
import { table } from "../output.ts";

/** One pack as `GET /v1/packs` answers it. */
interface PackJson {
  id: string;
  name: string;
  unit: string;
  amount: string;
  bonusPercent: string;
  lotAmount: string;
  expiresInMs: number | null;
  price: { amountMinor: string; currency: string } | null;
}

const DAY_MS = 86_400_000;

export function registerPacksList(packs: Command): void {
  packs
    .command("list")
    .description("the packs the configuration sells, with what one purchase grants")
    .action(async (_options: object, command: Command) => {
      const context = contextOf(command);
      await withApi(context, async (api) => {
        const { data } = await api.request<{ data: PackJson[] }>("GET", "/v1/packs");
        context.output.result({ packs: data }, () =>
          data.length === 0
            ? ["no packs; add them under `packs` in the configuration file"]
            : table([
                ["pack", "name", "grants", "bonus", "expires", "price (minor units)"],
                ...data.map((pack) => [
                  pack.id,
                  pack.name,
                  `${pack.lotAmount} ${pack.unit}`,
                  `${pack.bonusPercent}%`,
                  expiryText(pack.expiresInMs),
                  pack.price ? `${pack.price.amountMinor} ${pack.price.currency}` : "-",
                ]),
              ]),
        );
      });
    });
}

/** A lifetime in whole days when it is one, else in hours. */
function expiryText(expiresInMs: number | null): string {
  if (expiresInMs === null) return "never";
  return expiresInMs % DAY_MS === 0 ? `after ${expiresInMs / DAY_MS}d` : `after ${expiresInMs / 3_600_000}h`;
}
