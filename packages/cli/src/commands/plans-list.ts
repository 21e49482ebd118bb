import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { contextOf } from "../context.ts";
import { table } from "../output.ts";
import { allocationLabel, type PlanJson, priceLabel } from "../plan-output.ts";

export function registerPlansList(plans: Command): void {
  plans
    .command("list")
    .description("the configured plans, each with its current version, price and allocations")
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      await withApi(context, async (api) => {
        const data: PlanJson[] = [];
        let after: string | undefined;
        // A limit on everything: CATALOG_PAGE_MAX per page, and the configuration bounds the pages.
        do {
          const page = await api.request<{ data: PlanJson[]; nextCursor: string | null }>("GET", "/v1/plans", {
            query: { limit: 100, after },
          });
          data.push(...page.data);
          after = page.nextCursor ?? undefined;
        } while (after !== undefined);
        context.output.result({ data }, () =>
          data.length === 0
            ? ["no plans are configured (the configuration file's plans)"]
            : table(data.map((plan) => [plan.id, `v${plan.version}`, priceLabel(plan.price), allocationLabel(plan)])),
        );
      });
    });
}
