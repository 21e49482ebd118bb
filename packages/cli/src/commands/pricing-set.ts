import { PRICE_KEYS } from "@tollgate/core";
import { normalizeModel } from "@tollgate/metering";
import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { refusingInputNow, timeOption } from "../metering-options.ts";
import { type PriceJson, priceInline, priceLines } from "../price-output.ts";

interface PricingSetOptions {
  price: string[];
  effectiveFrom?: string;
  reason?: string;
}

/** `POST /v1/prices/{provider}/{model}`'s answer. */
interface PriceSet {
  provider: string;
  model: string;
  effectiveFrom: string;
  price: PriceJson;
  reason: string | null;
  createdAt: string;
}

export function registerPricingSet(pricing: Command): void {
  pricing
    .command("set")
    .description(
      "set a model's price from now (or --effective-from a later time) on; usage already recorded keeps its price",
    )
    .argument("<provider>", "the provider id: openai, anthropic, openrouter, …")
    .argument("<model>", "the model id as the provider spells it")
    .requiredOption(
      "--price <key=value>",
      `a price in USD, repeated per key: input_mtok=2.5 (keys: ${PRICE_KEYS.join(", ")}); a tiered price as JSON: 'input_mtok={"base":"3","tiers":[{"start":200000,"price":"6"}]}'`,
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--effective-from <time>", "when the price takes effect, ISO 8601, now or later (default: now)")
    .option("--reason <text>", "why the price changed, kept with it")
    .action(async (providerText: string, modelText: string, options: PricingSetOptions, command: Command) => {
      const context = contextOf(command);
      const { provider, model } = refusingInputNow("<provider> <model>", () =>
        normalizeModel({ provider: providerText, model: modelText }),
      );
      const price = priceOf(options.price);
      const effectiveFrom = timeOption(options.effectiveFrom, "--effective-from");
      const reason = options.reason?.trim() || undefined;
      await withApi(context, async (api) => {
        const set = await api.request<PriceSet>(
          "POST",
          `/v1/prices/${encodeURIComponent(provider)}/${encodeURIComponent(model)}`,
          { body: { price, effectiveFrom: effectiveFrom?.toISOString(), reason } },
        );
        context.output.result(set, () => [
          `price set for ${set.provider}/${set.model} from ${set.effectiveFrom}: ${priceInline(set.price)}`,
          ...priceLines(set.price, "  "),
          ...(set.reason === null ? [] : [`  reason: ${set.reason}`]),
        ]);
      });
    });
}

/** `--price key=value` options as one price; the server checks its values (a 400 names the key). */
function priceOf(entries: string[]): PriceJson {
  const price: PriceJson = {};
  for (const entry of entries) {
    const equals = entry.indexOf("=");
    if (equals <= 0) throw invalidInput(`--price must be key=value, such as input_mtok=2.5; got "${entry}"`);
    const key = entry.slice(0, equals).trim();
    const value = entry.slice(equals + 1).trim();
    if (!(PRICE_KEYS as readonly string[]).includes(key)) {
      throw invalidInput(`--price: unknown price key "${key}"; the keys are ${PRICE_KEYS.join(", ")}`);
    }
    if (key in price) throw invalidInput(`--price: ${key} is given twice`);
    price[key] = value.startsWith("{") ? tieredPrice(key, value) : value;
  }
  return price;
}

function tieredPrice(key: string, text: string): PriceJson[string] {
  try {
    return JSON.parse(text) as PriceJson[string];
  } catch (error) {
    throw invalidInput(
      `--price ${key}: a tiered price is JSON such as {"base":"3","tiers":[{"start":200000,"price":"6"}]}: ${(error as Error).message}`,
    );
  }
}
