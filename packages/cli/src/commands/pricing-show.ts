import { normalizeModel } from "@tollgate/metering";
import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { contextOf } from "../context.ts";
import { refusingInputNow, timeOption } from "../metering-options.ts";
import { table } from "../output.ts";
import { type PriceJson, priceInline, priceLines } from "../price-output.ts";

/** `GET /v1/prices/{provider}/{model}`'s answer. */
interface PriceInEffect {
  provider: string;
  model: string;
  at: string;
  source: "override" | "catalog" | "fallback";
  effectiveFrom: string | null;
  catalogModel: string | null;
  contextWindow: number | null;
  price: PriceJson;
  overrides: Array<{
    effectiveFrom: string;
    status: string;
    /** Null: the override was cleared from then on. */
    price: PriceJson | null;
    reason: string | null;
    createdAt: string;
  }>;
}

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
      const at = timeOption(options.at, "--at");
      await withApi(context, async (api) => {
        const shown = await api.request<PriceInEffect>(
          "GET",
          `/v1/prices/${encodeURIComponent(provider)}/${encodeURIComponent(model)}`,
          { query: { at: at?.toISOString() } },
        );
        context.output.result(shown, () => [
          `${provider}/${model} at ${shown.at}: ${sourceText(shown)}` +
            (shown.contextWindow === null ? "" : `, context window ${shown.contextWindow} tokens`),
          ...priceLines(shown.price, "  "),
          shown.overrides.length === 0 ? "no overrides" : "overrides, newest first:",
          ...table(
            shown.overrides.map((row) => [
              row.effectiveFrom,
              row.status.replace("_", " "),
              row.price === null ? "cleared: the catalog prices it again" : priceInline(row.price),
              row.reason === null ? "" : `"${row.reason}"`,
            ]),
            "  ",
          ),
        ]);
      });
    });
}

function sourceText(shown: PriceInEffect): string {
  if (shown.source === "override") return `override in effect from ${shown.effectiveFrom}`;
  if (shown.source === "catalog")
    return `catalog price${shown.catalogModel ? ` (catalog model ${shown.catalogModel})` : ""}`;
  return "the configuration's fallbackPrice (neither an override nor the catalog prices it)";
}
