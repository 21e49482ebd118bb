import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { contextOf } from "../context.ts";

interface StripePushOptions {
  yes?: boolean;
}

interface PushJson {
  applied: boolean;
  changes: Array<{ kind: string; item: string; description: string; objectId: string | null }>;
}

export function registerStripePush(stripe: Command): void {
  stripe
    .command("push")
    .description("make Stripe sell the configuration's plans and packs: prints the changes, then applies them")
    .option("--yes", "apply without asking (asked on a terminal; without one and without --yes, nothing is applied)")
    .action(async (options: StripePushOptions, command: Command) => {
      const context = contextOf(command);
      await withApi(context, async (api) => {
        const plan = await api.request<PushJson>("POST", "/v1/stripe/push", { body: { dryRun: true } });
        const pending = plan.changes.filter((change) => change.kind !== "skip");
        for (const change of plan.changes) context.output.progress(`  ${change.description}`);
        if (pending.length === 0) {
          context.output.result(plan, () => ["Stripe matches the configuration: no changes"]);
          return;
        }
        if (!(options.yes || (await confirmed(pending.length)))) {
          context.output.result(plan, () => [`${pending.length} change(s) not applied: run again with --yes to apply`]);
          return;
        }
        const applied = await api.request<PushJson>("POST", "/v1/stripe/push", { body: { dryRun: false } });
        context.output.result(applied, () => [
          ...applied.changes
            .filter((change) => change.kind !== "skip")
            .map((change) => `done: ${change.description}${change.objectId ? ` (${change.objectId})` : ""}`),
        ]);
      });
    });
}

/** Asks on a terminal; anything but y/yes declines, and so does the lack of a terminal. */
async function confirmed(count: number): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`apply ${count} change(s) to Stripe? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
