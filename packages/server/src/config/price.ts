import type { DisplayPrice } from "@tollgate/core";
import * as z from "zod";
import { amountMinor, amountText } from "./amounts.ts";
import { currencyScale } from "./currencies.ts";
import type { ResolveContext } from "./resolve-context.ts";
import { settings } from "./settings.ts";

/**
 * A price shown to customers, as the file writes it: `{ "amount": "9.00", "currency": "eur" }`,
 * the amount in the currency's own decimals (none for jpy).
 *
 * @example
 * priceSchema.parse({ amount: "9.00", currency: "eur" })
 */
export const priceSchema = settings(
  {
    amount: amountText,
    currency: z
      .string({ error: 'must be an ISO 4217 currency code in lower case, such as "eur"' })
      .regex(/^[a-z]{3}$/, { error: 'must be an ISO 4217 currency code in lower case, such as "eur"' }),
  },
  'an object such as { "amount": "9.00", "currency": "eur" }',
);

/**
 * The price in the currency's minor units (cents), or an issue at `path.amount`.
 *
 * @example
 * resolvePrice({ amount: "9.00", currency: "eur" }, ["plans", "pro", "price"], context) // { amountMinor: 900n, currency: "eur" }
 */
export function resolvePrice(
  price: z.output<typeof priceSchema> | undefined,
  path: readonly PropertyKey[],
  context: ResolveContext,
): DisplayPrice | null {
  if (price === undefined) return null;
  const scale = currencyScale(price.currency);
  const minor = amountMinor(context, [...path, "amount"], price.amount, { scale, positive: false });
  return { amountMinor: minor, currency: price.currency };
}

/**
 * A Stripe Price id (`price_…`); a product id pasted here by mistake is caught at start.
 *
 * @example
 * stripePriceId.parse("price_1PqX2bC3d4")
 */
export const stripePriceId = z
  .string({ error: 'must be a Stripe Price id such as "price_1PqX2b"' })
  .regex(/^price_[A-Za-z0-9]{1,250}$/, { error: 'must be a Stripe Price id such as "price_1PqX2b"' });
