import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { contextOf } from "../context.ts";
import { table } from "../output.ts";

/** A feature as `/v1/features` answers it. */
export interface FeatureJson {
  feature: string;
  unit: string;
  cost: string;
  description: string | null;
  fromConfig: boolean;
  updatedAt: string;
}

export function registerFeaturesList(features: Command): void {
  features
    .command("list")
    .description("every feature: its unit, its cost in the unit's scale, its description")
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      await withApi(context, async (api) => {
        const { data } = await api.request<{ data: FeatureJson[] }>("GET", "/v1/features");
        context.output.result({ features: data }, () =>
          data.length === 0
            ? ["no features; define one with `tollgate features set` or in the configuration file's pricing.features"]
            : table(
                data.map((feature) => [
                  feature.feature,
                  feature.cost,
                  feature.unit,
                  feature.fromConfig ? "config file" : "database",
                  feature.description ?? "",
                ]),
              ),
        );
      });
    });
}
