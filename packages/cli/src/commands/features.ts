import type { Command } from "commander";
import { registerFeaturesList } from "./features-list.ts";
import { registerFeaturesOverride } from "./features-override.ts";
import { registerFeaturesSet } from "./features-set.ts";

export function registerFeatures(program: Command): void {
  const features = program
    .command("features")
    .description("features with a fixed cost in a unit, and what one account pays for them");
  registerFeaturesList(features);
  registerFeaturesSet(features);
  registerFeaturesOverride(features);
}
