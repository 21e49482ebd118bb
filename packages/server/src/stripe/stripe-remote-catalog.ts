import type { PlanCatalog } from "@tollgate/core";
import type Stripe from "stripe";
import type { RemoteCatalog, RemotePrice, RemoteProduct } from "./stripe-catalog-diff.ts";
import { ITEM_METADATA_KEY, lookupKeyOf } from "./stripe-lookup-keys.ts";

/** Stripe takes at most 10 lookup keys in one list request. */
const LOOKUP_KEYS_PER_REQUEST = 10;
/** A limit on everything: an account with more products than this is not one push reads whole. */
const PRODUCTS_MAX = 10_000;

/**
 * What Stripe holds for this catalog: the Prices with its lookup keys (active or not) and the
 * Products that are Tollgate's (`metadata.tollgate_item`) or carry one of those Prices.
 *
 * @example
 * const remote = await readRemoteCatalog(stripe, catalog);
 * diffStripeCatalog(catalog, remote);
 */
export async function readRemoteCatalog(stripe: Stripe, catalog: PlanCatalog): Promise<RemoteCatalog> {
  const lookupKeys = [
    ...catalog.plans.map((plan) => lookupKeyOf("plan", plan.id)),
    ...catalog.packs.map((pack) => lookupKeyOf("pack", pack.id)),
  ];
  const prices: RemotePrice[] = [];
  for (let start = 0; start < lookupKeys.length; start += LOOKUP_KEYS_PER_REQUEST) {
    const keys = lookupKeys.slice(start, start + LOOKUP_KEYS_PER_REQUEST);
    for await (const price of stripe.prices.list({ lookup_keys: keys, limit: 100 })) prices.push(remotePrice(price));
  }
  const products: RemoteProduct[] = [];
  for await (const product of stripe.products.list({ limit: 100 })) {
    const item = product.metadata?.[ITEM_METADATA_KEY] ?? null;
    if (item !== null || prices.some((price) => price.productId === product.id)) {
      products.push({ id: product.id, name: product.name, active: product.active, item });
    }
    if (products.length >= PRODUCTS_MAX) break;
  }
  return { products, prices };
}

function remotePrice(price: Stripe.Price): RemotePrice {
  const interval = price.recurring ? (price.recurring.interval_count === 1 ? price.recurring.interval : "other") : null;
  return {
    id: price.id,
    productId: typeof price.product === "string" ? price.product : price.product.id,
    lookupKey: price.lookup_key ?? "",
    active: price.active,
    amountMinor: amountOf(price),
    currency: price.currency,
    interval,
  };
}

/** The unit amount as a bigint; −1 (never equal to a catalog's) for a price without one (tiered, custom). */
function amountOf(price: Stripe.Price): bigint {
  return price.unit_amount === null ? -1n : BigInt(price.unit_amount);
}
