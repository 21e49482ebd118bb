import { catalogPrice, normalizeModel, type PriceOverride } from "@tollgate/metering";
import type { Command } from "commander";
import { CliError, EXIT } from "../cli-error.ts";
import { contextOf, withMeter } from "../context.ts";
import { refusingInputNow, timeOption } from "../metering-options.ts";
import { table } from "../output.ts";
import { priceInline, priceLines } from "../price-output.ts";

/** Where an override stands at the time asked about. */
type OverrideStatus = "scheduled" | "in_effect" | "superseded";

export function registerPricingShow(pricing: Command): void {
  pricing
    .command("show")
    .description("the price of a model in effect now (or --at a time), where it comes from, and its overrides")
    .argument("<provider>", "the provider id: openai, anthropic, openrouter, …")
    .argument("<model>", "the model id as the provider spells it: gpt-4o, anthropic/claude-sonnet-4, …")
    .option("--at <time>", "the price in effect at this ISO 8601 time (default: now)")
    .action(async (providerText: string, modelText: string, options: { at?: string }, command: Command) => {
      const context = contextOf(command);
      const { provider, model } = refusingInputNow("<provider> <model>", () =>
        normalizeModel({ provider: providerText, model: modelText }),
      );
      const asked = timeOption(options.at, "--at");
      await withMeter(context, async (meter) => {
        const at = asked ?? meter.ledger.now();
        const resolved = await meter.prices.priceOf({ provider, model, at });
        const overrides = await meter.prices.overrides({ provider, model });
        const inEffect = overrides.find((row) => row.effectiveFrom <= at);
        const status = (row: PriceOverride): OverrideStatus =>
          row.effectiveFrom > at ? "scheduled" : row === inEffect ? "in_effect" : "superseded";
        if (!resolved) {
          const next = overrides.at(-1);
          throw new CliError(
            "unknown_model_price",
            `no price for ${provider}/${model} at ${at.toISOString()}: neither an override nor the catalog prices it, and the configuration sets no fallbackPrice` +
              (next ? ` (its first override takes effect at ${next.effectiveFrom.toISOString()})` : "") +
              "; set one with `tollgate pricing set`",
            EXIT.failed,
          );
        }
        const catalogModel =
          resolved.source === "catalog" ? ((await catalogPrice({ provider, model, at }))?.model ?? null) : null;
        const history = overrides.map((row) => ({
          effectiveFrom: row.effectiveFrom.toISOString(),
          status: status(row),
          price: row.price,
          reason: row.reason,
          createdAt: row.createdAt.toISOString(),
        }));
        context.output.result(
          {
            provider,
            model,
            at: at.toISOString(),
            source: resolved.source,
            effectiveFrom: resolved.effectiveFrom?.toISOString() ?? null,
            catalogModel,
            contextWindow: resolved.contextWindow,
            price: resolved.price,
            overrides: history,
          },
          () => [
            `${provider}/${model} at ${at.toISOString()}: ${sourceText(resolved.source, resolved.effectiveFrom, catalogModel)}` +
              (resolved.contextWindow === null ? "" : `, context window ${resolved.contextWindow} tokens`),
            ...priceLines(resolved.price, "  "),
            history.length === 0 ? "no overrides" : "overrides, newest first:",
            ...table(
              history.map((row) => [
                row.effectiveFrom,
                row.status.replace("_", " "),
                priceInline(row.price),
                row.reason === null ? "" : `"${row.reason}"`,
              ]),
              "  ",
            ),
          ],
        );
      });
    });
}

function sourceText(source: string, effectiveFrom: Date | null, catalogModel: string | null): string {
  if (source === "override") return `override in effect from ${effectiveFrom?.toISOString()}`;
  if (source === "catalog") return `catalog price${catalogModel ? ` (catalog model ${catalogModel})` : ""}`;
  return "the configuration's fallbackPrice (neither an override nor the catalog prices it)";
}
