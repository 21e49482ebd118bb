import type { Command } from "commander";
import { registerPlansList } from "./plans-list.ts";
import { registerPlansMigrate } from "./plans-migrate.ts";
import { registerPlansShow } from "./plans-show.ts";

export function registerPlans(program: Command): void {
  const plans = program.command("plans").description("the configured plans, and moving grandfathered subscribers");
  registerPlansList(plans);
  registerPlansShow(plans);
  registerPlansMigrate(plans);
}
