import type { PackDefinition } from "@tollgate/core";
import * as z from "zod";
import { amountMinor, amountText, rateText } from "./amounts.ts";
import { durationMs } from "./durations.ts";
import { catalogId } from "./ids.ts";
import { priceSchema, resolvePrice, stripePriceId } from "./price.ts";
import { type ResolveContext, unitAt } from "./resolve-context.ts";
import { settings, text } from "./settings.ts";

const PACKS_MAX = 200;

const packSchema = settings(
  {
    name: text('a name such as "1,000 credits"', 200),
    unit: z.string({ error: "must be a unit name (a string)" }).optional(),
    amount: amountText,
    // A bonus above 1000% is a typo for a price, not a promotion.
    bonus: rateText({ zero: true, max: 1000n }).default("0"),
    expiresIn: durationMs('"365d" or "90d"').nullable().default(null),
    price: priceSchema.optional(),
    stripePriceId: stripePriceId.optional(),
  },
  'an object such as { "name": "1,000 credits", "amount": "1000", "price": { "amount": "9.00", "currency": "eur" } }',
);

/**
 * The `packs` section's shape (the first pass): one-time purchases keyed by id.
 *
 * @example
 * packsSection.parse({ starter: { name: "Starter", amount: "1000", bonus: "10" } })
 */
export const packsSection = z
  .record(catalogId, packSchema, { error: "must be an object of packs keyed by pack id" })
  .refine((packs) => Object.keys(packs).length <= PACKS_MAX, { error: `has more than ${PACKS_MAX} packs` });

/**
 * The second pass over `packs`: the unit (the ledger's default when absent) is the file's, and
 * the amount fits its scale.
 *
 * @example
 * resolvePacks({ starter: { name: "Starter", amount: "1000", bonus: "10", expiresIn: null } }, context)[0].amountMinor // 1000n
 */
export function resolvePacks(
  packs: Record<string, z.output<typeof packSchema>> | undefined,
  context: ResolveContext & { defaultUnit: string },
): PackDefinition[] {
  return Object.entries(packs ?? {}).map(([id, pack]) => {
    const path = ["packs", id];
    const unitName = pack.unit ?? context.defaultUnit;
    const unit = unitAt(context, [...path, "unit"], unitName);
    return {
      id,
      name: pack.name,
      unit: unitName,
      amountMinor: unit
        ? amountMinor(context, [...path, "amount"], pack.amount, { scale: unit.scale, positive: true })
        : 0n,
      bonusPercent: pack.bonus,
      expiresInMs: pack.expiresIn,
      price: resolvePrice(pack.price, [...path, "price"], context),
      stripePriceId: pack.stripePriceId ?? null,
    };
  });
}
