import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { contextOf } from "../context.ts";
import type { FeatureJson } from "./features-list.ts";

interface FeaturesSetOptions {
  unit: string;
  cost: string;
  description?: string;
}

export function registerFeaturesSet(features: Command): void {
  features
    .command("set")
    .description(
      "create a feature or change its unit, cost and description; applies to the next charge on every instance",
    )
    .argument("<name>", "the feature: lowercase letters, digits, _ . - (generate_goal)")
    .requiredOption("--unit <unit>", "the unit it is charged in")
    .requiredOption("--cost <decimal>", "what one use costs, in the unit's scale (0 for free)")
    .option("--description <text>", "what the feature is, for people")
    .action(async (name: string, options: FeaturesSetOptions, command: Command) => {
      const context = contextOf(command);
      const description = options.description?.trim() || undefined;
      await withApi(context, async (api) => {
        const feature = await api.request<FeatureJson>("POST", `/v1/features/${encodeURIComponent(name)}`, {
          body: { unit: options.unit, cost: options.cost, description },
        });
        context.output.result(feature, () => [
          `${name} costs ${feature.cost} ${feature.unit}${feature.description ? ` (${feature.description})` : ""}`,
        ]);
      });
    });
}
