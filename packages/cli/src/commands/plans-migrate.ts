import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { planIdOf } from "./plans-show.ts";

interface MigrateOptions {
  toVersion?: string;
  limit?: string;
}

interface MigrateJson {
  plan: string;
  toVersion: number;
  moved: number;
  refused: Array<{ accountId: string; reason: string }>;
}

/** What one request moves when --limit is not given: the API's default. */
const PAGE = 1000;

const positiveInteger = (text: string | undefined, flag: string): number | undefined => {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw invalidInput(`${flag} must be a positive integer; got "${text}"`);
  return Number(text);
};

export function registerPlansMigrate(plans: Command): void {
  plans
    .command("migrate")
    .description("move a plan's grandfathered subscribers to one version (the latest by default); admin")
    .argument("<plan>", "the plan's id")
    .option("--to-version <n>", "the version to move them to (default: the latest)")
    .option("--limit <n>", "move at most this many (default: all, 1000 a request)")
    .action(async (planId: string, options: MigrateOptions, command: Command) => {
      const context = contextOf(command);
      const id = planIdOf(planId);
      const toVersion = positiveInteger(options.toVersion, "--to-version");
      const limit = positiveInteger(options.limit, "--limit");
      if (limit !== undefined && limit > 10_000) throw invalidInput("--limit is at most 10000");
      await withApi(context, async (api) => {
        const total: MigrateJson = { plan: id, toVersion: toVersion ?? 0, moved: 0, refused: [] };
        const refused = new Map<string, string>();
        for (;;) {
          const size = limit === undefined ? PAGE : Math.min(PAGE, limit - total.moved);
          const step = await api.request<MigrateJson>("POST", `/v1/plans/${id}/migrate`, {
            body: { toVersion, limit: size },
          });
          total.toVersion = step.toVersion;
          total.moved += step.moved;
          for (const refusal of step.refused) refused.set(refusal.accountId, refusal.reason);
          context.output.progress(`moved ${total.moved} to ${id} v${step.toVersion} (${refused.size} refused)`);
          // Refused subscribers stay on their version and come first again: a page of them only
          // would repeat forever, so stop when a page moved nobody or was not full.
          const full = step.moved + step.refused.length === size;
          if (step.moved === 0 || !full || (limit !== undefined && total.moved >= limit)) break;
        }
        total.refused = [...refused].map(([accountId, reason]) => ({ accountId, reason }));
        context.output.result(total, () => [
          `moved ${total.moved} subscriber(s) of ${id} to v${total.toVersion}`,
          ...total.refused.map((refusal) => `  refused ${refusal.accountId}: ${refusal.reason}`),
        ]);
      });
    });
}
