import { assertFeatureName } from "@tollgate/metering";
import type { Command } from "commander";
import { formatIn } from "../amounts.ts";
import { CliError, EXIT, invalidInput } from "../cli-error.ts";
import { contextOf, withMeter } from "../context.ts";
import {
  type AccountOptions,
  accountLabel,
  accountRefOf,
  findAccount,
  withAccountOptions,
} from "../legacy-account-options.ts";
import { costOption, refusingInputNow } from "../metering-options.ts";

interface FeaturesOverrideOptions extends AccountOptions {
  cost?: string;
  clear?: boolean;
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
      refusingInputNow("<name>", () => assertFeatureName(name));
      const ref = accountRefOf(options);
      if ((options.cost === undefined) === (options.clear !== true)) {
        throw invalidInput("give --cost <decimal> to set the account's cost, or --clear to remove it (one of them)");
      }
      await withMeter(context, async (meter) => {
        const base = await meter.features.costFor(null, name);
        if (!base) {
          throw new CliError(
            "feature_not_found",
            `no feature "${name}"; define it with \`tollgate features set\``,
            EXIT.failed,
          );
        }
        const unit = meter.ledger.units.get(base.unit) ?? { unit: base.unit, scale: 0 };
        const costMinor = options.cost === undefined ? null : costOption(options.cost, unit);
        const account = await findAccount(meter.ledger, ref);
        const changed = await meter.features.setAccountCost(account.accountId, name, costMinor);
        const now = await meter.features.costFor(account.accountId, name);
        if (!now) throw new Error(`feature ${name} vanished`);
        const amount = (minor: bigint) => formatIn(meter.ledger, now.unit, minor);
        context.output.result(
          {
            accountId: account.accountId,
            feature: name,
            unit: now.unit,
            cost: amount(now.costMinor),
            featureCost: amount(base.costMinor),
            overridden: now.overridden,
            changed,
          },
          () => [
            costMinor === null
              ? `${changed ? "cleared" : "no override to clear (nothing changed)"}: ${accountLabel(account)} pays the feature's cost for ${name}, ${amount(now.costMinor)} ${now.unit}`
              : `${accountLabel(account)} pays ${amount(now.costMinor)} ${now.unit} for ${name} (the feature costs ${amount(base.costMinor)})`,
          ],
        );
      });
    });
}
