import type { Command } from "commander";
import { formatIn } from "../amounts.ts";
import { contextOf, withMeter } from "../context.ts";
import { table } from "../output.ts";

export function registerFeaturesList(features: Command): void {
  features
    .command("list")
    .description("every feature: its unit, its cost in the unit's scale, its description")
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      await withMeter(context, async (meter) => {
        const listed = (await meter.features.list()).map((feature) => ({
          feature: feature.feature,
          unit: feature.unit,
          cost: formatIn(meter.ledger, feature.unit, feature.costMinor),
          description: feature.description ?? null,
          fromConfig: feature.feature in meter.config.features,
          updatedAt: feature.updatedAt.toISOString(),
        }));
        context.output.result({ features: listed }, () =>
          listed.length === 0
            ? ["no features; define one with `tollgate features set` or in the configuration file's pricing.features"]
            : table(
                listed.map((feature) => [
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
