import type { Command } from "commander";
import { type AccountOptions, accountParamOf, accountPath, withAccountOptions } from "../account-options.ts";
import { withApi } from "../api-client.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";

interface FeaturesOverrideOptions extends AccountOptions {
  cost?: string;
  clear?: boolean;
}

/** `/v1/accounts/{account}/feature-overrides/{feature}`'s answer. */
interface OverrideJson {
  accountId: string;
  feature: string;
  unit: string;
  cost: string;
  featureCost: string;
  overridden: boolean;
  changed: boolean;
}

export function registerFeaturesOverride(features: Command): void {
  withAccountOptions(
    features
      .command("override")
      .description(
        "set what one account pays for a feature (--cost), or remove that (--clear) so it pays the feature's cost",
      )
      .argument("<name>", "the feature"),
  )
    .option("--cost <decimal>", "what this account pays per use, in the feature's unit's scale (0 for free)")
    .option("--clear", "remove the account's own cost")
    .action(async (name: string, options: FeaturesOverrideOptions, command: Command) => {
      const context = contextOf(command);
      const account = accountParamOf(options);
      if ((options.cost === undefined) === (options.clear !== true)) {
        throw invalidInput("give --cost <decimal> to set the account's cost, or --clear to remove it (one of them)");
      }
      const path = accountPath(options, `/feature-overrides/${encodeURIComponent(name)}`);
      await withApi(context, async (api) => {
        const set =
          options.cost === undefined
            ? await api.request<OverrideJson>("DELETE", path)
            : await api.request<OverrideJson>("POST", path, { body: { cost: options.cost } });
        context.output.result(set, () => [
          options.cost === undefined
            ? `${set.changed ? "cleared" : "no override to clear (nothing changed)"}: ${account} pays the feature's cost for ${name}, ${set.cost} ${set.unit}`
            : `${account} pays ${set.cost} ${set.unit} for ${name} (the feature costs ${set.featureCost})`,
        ]);
      });
    });
}
