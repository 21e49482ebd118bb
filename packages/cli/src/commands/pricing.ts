import type { Command } from "commander";
import { registerPricingSet } from "./pricing-set.ts";
import { registerPricingShow } from "./pricing-show.ts";

export function registerPricing(program: Command): void {
  const pricing = program
    .command("pricing")
    .description("model prices: what is in effect, and the deployment's overrides");
  registerPricingShow(pricing);
  registerPricingSet(pricing);
}
