import { createHash } from "node:crypto";
import type { PlanCatalog } from "@tollgate/core";
import type Stripe from "stripe";
import { diffStripeCatalog, type StripeChange } from "./stripe-catalog-diff.ts";
import { ITEM_METADATA_KEY } from "./stripe-lookup-keys.ts";
import { readRemoteCatalog } from "./stripe-remote-catalog.ts";

/** A change applied, and the Stripe object it made or changed. */
export interface AppliedChange {
  change: StripeChange;
  /** The Product or Price id; null for a skip. */
  objectId: string | null;
}

/**
 * Reads what Stripe holds and returns the changes that would make it match the catalog,
 * applying nothing.
 *
 * @example
 * const changes = await planStripePush(stripe, catalog);
 */
export async function planStripePush(stripe: Stripe, catalog: PlanCatalog): Promise<StripeChange[]> {
  return diffStripeCatalog(catalog, await readRemoteCatalog(stripe, catalog));
}

/**
 * Applies the changes in order, each with an idempotency key derived from the change itself:
 * a push cut off and run again (within Stripe's 24 hours of keys) replays the requests that
 * had landed instead of making a second Product or Price. Stops at the first failure, which
 * is thrown: a second run starts again from what Stripe then holds.
 *
 * @example
 * const applied = await applyStripePush(stripe, await planStripePush(stripe, catalog));
 */
export async function applyStripePush(stripe: Stripe, changes: readonly StripeChange[]): Promise<AppliedChange[]> {
  const createdProducts = new Map<string, string>();
  const applied: AppliedChange[] = [];
  for (const change of changes) {
    const options = { idempotencyKey: idempotencyKeyOf(change) };
    switch (change.kind) {
      case "skip":
        applied.push({ change, objectId: null });
        break;
      case "create_product": {
        const product = await stripe.products.create(
          { name: change.name, metadata: { [ITEM_METADATA_KEY]: change.item } },
          options,
        );
        createdProducts.set(change.item, product.id);
        applied.push({ change, objectId: product.id });
        break;
      }
      case "rename_product":
        await stripe.products.update(change.productId, { name: change.to }, options);
        applied.push({ change, objectId: change.productId });
        break;
      case "create_price": {
        const product = change.productId ?? createdProducts.get(change.item);
        if (product === undefined) throw new Error(`create_price for ${change.item} comes before its product`);
        const price = await stripe.prices.create(
          {
            product,
            currency: change.terms.currency,
            unit_amount: unitAmountOf(change.terms.amountMinor),
            lookup_key: change.lookupKey,
            ...(change.replaces ? { transfer_lookup_key: true } : {}),
            ...(change.terms.interval ? { recurring: { interval: change.terms.interval, interval_count: 1 } } : {}),
            metadata: { [ITEM_METADATA_KEY]: change.item },
          },
          options,
        );
        applied.push({ change, objectId: price.id });
        break;
      }
      case "deactivate_price":
        await stripe.prices.update(change.priceId, { active: false }, options);
        applied.push({ change, objectId: change.priceId });
        break;
    }
  }
  return applied;
}

/** Stripe takes amounts as JSON numbers: refused past 2^53 rather than rounded. */
function unitAmountOf(amountMinor: bigint): number {
  if (amountMinor < 0n || amountMinor > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`a price of ${amountMinor} minor units is outside what Stripe takes`);
  }
  return Number(amountMinor);
}

/** The same change gets the same key, a different one (another amount, another old price) another. */
function idempotencyKeyOf(change: StripeChange): string {
  const text = JSON.stringify(change, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
  return `tollgate_push_${createHash("sha256").update(text).digest("hex").slice(0, 40)}`;
}
