import { assertFeatureName } from "@tollgate/metering";
import type { Command } from "commander";
import { formatAmount, resolveUnit } from "../amounts.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf, withMeter } from "../context.ts";
import { costOption, refusingInput, refusingInputNow } from "../metering-options.ts";

interface FeaturesSetOptions {
  unit: string;
  cost: string;
  description?: string;
}

const DESCRIPTION_LENGTH_MAX = 500;

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
      refusingInputNow("<name>", () => assertFeatureName(name));
      const description = options.description?.trim() || undefined;
      if (description !== undefined && description.length > DESCRIPTION_LENGTH_MAX) {
        throw invalidInput(`--description must be at most ${DESCRIPTION_LENGTH_MAX} characters`);
      }
      // Every process that opens the meter writes the file's features, so a change made here
      // would be undone by the next command: the file is where such a feature changes.
      if (name in context.config.pricing.features) {
        throw invalidInput(
          `${name} is defined in the configuration file (${context.config.configFile}); change it there: the file's features are written each time the meter opens`,
        );
      }
      await withMeter(context, async (meter) => {
        const unit = resolveUnit(meter.ledger, options.unit);
        const costMinor = costOption(options.cost, unit);
        const feature = await refusingInput("--unit", () =>
          meter.features.define(name, {
            unit: unit.unit,
            costMinor,
            ...(description === undefined ? {} : { description }),
          }),
        );
        const cost = formatAmount(feature.costMinor, unit);
        context.output.result(
          {
            feature: name,
            unit: unit.unit,
            cost,
            description: feature.description ?? null,
            updatedAt: feature.updatedAt.toISOString(),
          },
          () => [`${name} costs ${cost} ${unit.unit}${feature.description ? ` (${feature.description})` : ""}`],
        );
      });
    });
}
