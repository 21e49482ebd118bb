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
  price: { amount: string; currency: string } | null;
}

/** Pages of `GET /v1/packs` read for one listing: a limit on everything (the API's page is 50). */
const PAGES_MAX = 100;

const DAY_MS = 86_400_000;

export function registerPacksList(packs: Command): void {
  packs
    .command("list")
    .description("the packs the configuration sells, with what one purchase grants")
    .action(async (_options: object, command: Command) => {
      const context = contextOf(command);
      await withApi(context, async (api) => {
        const data: PackJson[] = [];
        let after: string | null = null;
        for (let page = 0; page < PAGES_MAX; page++) {
          const answer: { data: PackJson[]; nextCursor: string | null } = await api.request("GET", "/v1/packs", {
            query: { after: after ?? undefined },
          });
          data.push(...answer.data);
          after = answer.nextCursor;
          if (after === null) break;
        }
        context.output.result({ packs: data }, () =>
          data.length === 0
            ? ["no packs; add them under `packs` in the configuration file"]
            : table([
                ["pack", "name", "grants", "bonus", "expires", "price"],
                ...data.map((pack) => [
                  pack.id,
                  pack.name,
                  `${pack.lotAmount} ${pack.unit}`,
                  `${pack.bonusPercent}%`,
                  expiryText(pack.expiresInMs),
                  pack.price ? `${pack.price.amount} ${pack.price.currency}` : "-",
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
