import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { type PlanJson, planLines } from "../plan-output.ts";

/** A plan id as the configuration spells it, checked before any request. */
export function planIdOf(text: string): string {
  if (!/^[a-z0-9_-]{1,64}$/.test(text)) {
    throw invalidInput(`a plan id is 1 to 64 lowercase letters, digits, "_" or "-"; got "${text}"`);
  }
  return text;
}

export function registerPlansShow(plans: Command): void {
  plans
    .command("show")
    .description("a plan, with its stored versions and how many subscribers each has")
    .argument("<plan>", "the plan's id")
    .action(async (planId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      const id = planIdOf(planId);
      await withApi(context, async (api) => {
        const plan = await api.request<PlanJson>("GET", `/v1/plans/${id}`);
        context.output.result(plan, () => planLines(plan));
      });
    });
}
