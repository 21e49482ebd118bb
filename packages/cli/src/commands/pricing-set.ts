import { type ModelPrice, PRICE_KEYS, type Price, validateModelPrice } from "@tollgate/core";
import { normalizeModel } from "@tollgate/metering";
import type { Command } from "commander";
import { invalidInput } from "../cli-error.ts";
import { contextOf, withMeter } from "../context.ts";
import { refusingInput, refusingInputNow, timeOption } from "../metering-options.ts";
import { priceInline, priceLines } from "../price-output.ts";

interface PricingSetOptions {
  price: string[];
  effectiveFrom?: string;
  reason?: string;
}

const REASON_LENGTH_MAX = 500;

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
      if (reason !== undefined && reason.length > REASON_LENGTH_MAX) {
        throw invalidInput(`--reason must be at most ${REASON_LENGTH_MAX} characters`);
      }
      await withMeter(context, async (meter) => {
        const set = await refusingInput("--effective-from", () =>
          meter.prices.setPrice({
            provider,
            model,
            price,
            ...(effectiveFrom === undefined ? {} : { effectiveFrom }),
            ...(reason === undefined ? {} : { reason }),
          }),
        );
        context.output.result(
          {
            provider: set.provider,
            model: set.model,
            effectiveFrom: set.effectiveFrom.toISOString(),
            price: set.price,
            reason: set.reason,
            createdAt: set.createdAt.toISOString(),
          },
          () => [
            `price set for ${set.provider}/${set.model} from ${set.effectiveFrom.toISOString()}: ${priceInline(set.price)}`,
            ...priceLines(set.price, "  "),
            ...(set.reason === null ? [] : [`  reason: ${set.reason}`]),
          ],
        );
      });
    });
}

/** `--price key=value` options as one validated price; any mistake is invalid input and nothing is written. */
function priceOf(entries: string[]): ModelPrice {
  const price: Record<string, Price> = {};
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
  return refusingInputNow("--price", () => validateModelPrice(price));
}

function tieredPrice(key: string, text: string): Price {
  try {
    return JSON.parse(text) as Price;
  } catch (error) {
    throw invalidInput(
      `--price ${key}: a tiered price is JSON such as {"base":"3","tiers":[{"start":200000,"price":"6"}]}: ${(error as Error).message}`,
    );
  }
}
