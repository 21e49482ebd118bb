import type { PlanCatalog } from "@tollgate/core";
import {
  type CatalogItemKey,
  itemKeyOf,
  lookupKeyOf,
  type SellableItem,
  sellablePack,
  sellablePlan,
} from "./stripe-lookup-keys.ts";

/** A Product as push sees it. `item` is its `metadata.tollgate_item`, null on products that are not Tollgate's. */
export interface RemoteProduct {
  id: string;
  name: string;
  active: boolean;
  item: string | null;
}

/** A Price as push sees it: only Prices carrying a `tollgate_…` lookup key. */
export interface RemotePrice {
  id: string;
  productId: string;
  lookupKey: string;
  active: boolean;
  amountMinor: bigint;
  currency: string;
  /** Null for a one-time price; an interval with a count other than 1 reads as a different price. */
  interval: string | null;
}

/** What Stripe holds, as far as push is concerned. */
export interface RemoteCatalog {
  products: readonly RemoteProduct[];
  prices: readonly RemotePrice[];
}

/** A new Price's terms. */
export interface PriceTerms {
  amountMinor: bigint;
  currency: string;
  interval: SellableItem["interval"];
}

/**
 * One step of a push, in the order they apply. `create_price` with `productId: null` uses the
 * product the `create_product` before it made; with `replaces`, it takes the lookup key from
 * that price (`transfer_lookup_key`), which a `deactivate_price` then retires: Prices are
 * immutable, so a new amount, currency or interval is a new Price.
 */
export type StripeChange =
  | { kind: "create_product"; item: CatalogItemKey; name: string }
  | { kind: "rename_product"; item: CatalogItemKey; productId: string; from: string; to: string }
  | {
      kind: "create_price";
      item: CatalogItemKey;
      productId: string | null;
      lookupKey: string;
      terms: PriceTerms;
      replaces: { priceId: string; terms: PriceTerms } | null;
    }
  | { kind: "deactivate_price"; item: CatalogItemKey; priceId: string }
  | { kind: "skip"; item: CatalogItemKey; reason: string };

/**
 * The changes that make Stripe sell what the catalog says, found by each plan's and pack's
 * Price lookup key (`tollgate_plan_<id>`, `tollgate_pack_<id>`) and Product metadata
 * (`tollgate_item`). Pure: the same inputs give the same list, and a catalog Stripe already
 * matches gives only `skip` notes. Prices of plans or packs no longer in the catalog are left
 * as they are (an existing subscription may still bill on one).
 *
 * @example
 * diffStripeCatalog(catalog, { products: [], prices: [] })
 * // [{ kind: "create_product", item: "plan:pro", name: "Pro" }, { kind: "create_price", item: "plan:pro", … }]
 */
export function diffStripeCatalog(catalog: PlanCatalog, remote: RemoteCatalog): StripeChange[] {
  const items = [...catalog.plans.map(sellablePlan), ...catalog.packs.map(sellablePack)];
  return items.flatMap((item) => diffItem(item, remote));
}

function diffItem(item: SellableItem, remote: RemoteCatalog): StripeChange[] {
  const key = itemKeyOf(item.kind, item.id);
  if (item.stripePriceId !== null) {
    return [{ kind: "skip", item: key, reason: `uses ${item.stripePriceId}, named in the configuration` }];
  }
  if (item.price === null) return [{ kind: "skip", item: key, reason: "has no price: nothing to sell" }];
  const lookupKey = lookupKeyOf(item.kind, item.id);
  const terms: PriceTerms = {
    amountMinor: item.price.amountMinor,
    currency: item.price.currency,
    interval: item.interval,
  };
  const current = remote.prices.find((price) => price.lookupKey === lookupKey);
  const product =
    (current && remote.products.find((candidate) => candidate.id === current.productId)) ??
    remote.products.find((candidate) => candidate.item === key && candidate.active);
  const changes: StripeChange[] = [];
  if (!product) changes.push({ kind: "create_product", item: key, name: item.name });
  else if (product.name !== item.name) {
    changes.push({ kind: "rename_product", item: key, productId: product.id, from: product.name, to: item.name });
  }
  if (current?.active && sameTerms(current, terms)) return changes;
  changes.push({
    kind: "create_price",
    item: key,
    productId: product?.id ?? null,
    lookupKey,
    terms,
    replaces: current
      ? {
          priceId: current.id,
          terms: { amountMinor: current.amountMinor, currency: current.currency, interval: intervalOf(current) },
        }
      : null,
  });
  if (current?.active) changes.push({ kind: "deactivate_price", item: key, priceId: current.id });
  return changes;
}

function sameTerms(price: RemotePrice, terms: PriceTerms): boolean {
  return (
    price.amountMinor === terms.amountMinor && price.currency === terms.currency && price.interval === terms.interval
  );
}

function intervalOf(price: RemotePrice): PriceTerms["interval"] {
  const interval = price.interval;
  return interval === "day" || interval === "week" || interval === "month" || interval === "year" ? interval : null;
}

/**
 * A change as one line for people: what `tollgate stripe push` prints before applying.
 *
 * @example
 * describeStripeChange({ kind: "create_product", item: "plan:pro", name: "Pro" }) // 'create product "Pro" for plan:pro'
 */
export function describeStripeChange(change: StripeChange): string {
  switch (change.kind) {
    case "create_product":
      return `create product "${change.name}" for ${change.item}`;
    case "rename_product":
      return `rename product ${change.productId} of ${change.item} from "${change.from}" to "${change.to}"`;
    case "create_price":
      return change.replaces
        ? `create price ${termsLabel(change.terms)} for ${change.item} and move lookup key ${change.lookupKey} to it from ${change.replaces.priceId} (${termsLabel(change.replaces.terms)})`
        : `create price ${termsLabel(change.terms)} for ${change.item} with lookup key ${change.lookupKey}`;
    case "deactivate_price":
      return `deactivate price ${change.priceId} of ${change.item} (it no longer matches the configuration)`;
    case "skip":
      return `skip ${change.item}: ${change.reason}`;
  }
}

/** "900 eur (minor units) per month", "500 usd (minor units), one-time". */
function termsLabel(terms: PriceTerms): string {
  const amount = `${terms.amountMinor} ${terms.currency} (minor units)`;
  return terms.interval === null ? `${amount}, one-time` : `${amount} per ${terms.interval}`;
}
