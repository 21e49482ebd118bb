import type { PackDefinition, PlanDefinition } from "@tollgate/core";

/** A plan or a pack, as Stripe's objects name it in `metadata.tollgate_item`: `plan:pro`, `pack:starter`. */
export type CatalogItemKey = `plan:${string}` | `pack:${string}`;

/** The metadata key on Tollgate's Products and Prices that names their plan or pack. */
export const ITEM_METADATA_KEY = "tollgate_item";

/**
 * The Price lookup key of a plan or pack: how push and checkout find its current Price
 * without storing Stripe ids (push moves the key to a new Price when the amount changes).
 *
 * @example
 * lookupKeyOf("plan", "pro") // "tollgate_plan_pro"
 */
export function lookupKeyOf(kind: "plan" | "pack", id: string): string {
  return `tollgate_${kind}_${id}`;
}

/** @example itemKeyOf("pack", "starter") // "pack:starter" */
export function itemKeyOf(kind: "plan" | "pack", id: string): CatalogItemKey {
  return `${kind}:${id}`;
}

/** What a plan or pack sells in Stripe's terms, or null when it has no price. */
export interface SellableItem {
  kind: "plan" | "pack";
  id: string;
  name: string;
  price: { amountMinor: bigint; currency: string } | null;
  /** A plan's period as Stripe's recurring interval; null for a pack (a one-time price). */
  interval: "day" | "week" | "month" | "year" | null;
  /** A Price id the configuration names itself: push leaves that item alone. */
  stripePriceId: string | null;
}

/** @example sellablePlan(plan).interval // "month" */
export function sellablePlan(plan: PlanDefinition): SellableItem {
  return {
    kind: "plan",
    id: plan.id,
    name: plan.name,
    price: plan.price,
    interval: plan.period.every,
    stripePriceId: plan.stripePriceId,
  };
}

/** @example sellablePack(pack).interval // null */
export function sellablePack(pack: PackDefinition): SellableItem {
  return {
    kind: "pack",
    id: pack.id,
    name: pack.name,
    price: pack.price,
    interval: null,
    stripePriceId: pack.stripePriceId,
  };
}
