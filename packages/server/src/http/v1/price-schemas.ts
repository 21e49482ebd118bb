import { z } from "@hono/zod-openapi";
import { PRICE_KEYS } from "@tollgate/core";
import { Model, Provider } from "./call-fields.ts";

const Price = z.union([
  z.string(),
  z.strictObject({
    base: z.string(),
    tiers: z.array(z.strictObject({ start: z.number().int().min(0), price: z.string() })).max(16),
  }),
]);

/**
 * A model's price: USD per million tokens (`input_mtok`, …), per image, per hour of audio, per
 * thousand requests. Called `price`, as in the CLI (`tollgate pricing set --price`) and the
 * configuration file (`fallbackPrice`).
 */
export const ModelPriceSchema = z
  .partialRecord(z.enum(PRICE_KEYS as unknown as [string, ...string[]]), Price)
  .openapi("ModelPrice", { example: { input_mtok: "2.5", output_mtok: "10" } });

/** `{provider}/{model}` in a price route's path. */
export const PriceParams = z.object({
  provider: Provider.openapi({ param: { name: "provider", in: "path" }, example: "openai" }),
  model: Model.openapi({ param: { name: "model", in: "path" }, example: "gpt-4o" }),
});

/** A model price as JSON: the schema's type, which `ModelPrice` is (its keys optional). */
export type PriceJson = Record<string, z.infer<typeof Price>>;
