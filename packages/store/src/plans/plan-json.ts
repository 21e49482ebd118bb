import type { PlanAllocation, PlanDefinition } from "@tollgate/core";
import { contentHash } from "../codec.ts";

/** A plan definition as stored (`plan_versions.definition`): the same shape, its bigints as decimal strings. */
export type PlanJson = Omit<PlanDefinition, "allocations" | "overage" | "price"> & {
  allocations: Array<
    Omit<PlanAllocation, "amountMinor" | "rolloverCapMinor"> & {
      amountMinor: string;
      rolloverCapMinor: string | null;
    }
  >;
  overage: { policy: "block" } | { policy: "allow"; unit: string; limitMinor: string };
  price: { amountMinor: string; currency: string } | null;
};

/**
 * The definition as JSON with bigints as strings, so no amount is ever a JS number in the database.
 *
 * @example
 * planToJson(pro).allocations[0].amountMinor; // "500"
 */
export function planToJson(plan: PlanDefinition): PlanJson {
  return {
    ...plan,
    allocations: plan.allocations.map((allocation) => ({
      ...allocation,
      amountMinor: allocation.amountMinor.toString(),
      rolloverCapMinor: allocation.rolloverCapMinor === null ? null : allocation.rolloverCapMinor.toString(),
    })),
    overage:
      plan.overage.policy === "allow"
        ? { ...plan.overage, limitMinor: plan.overage.limitMinor.toString() }
        : { policy: plan.overage.policy },
    price: plan.price && { ...plan.price, amountMinor: plan.price.amountMinor.toString() },
  };
}

/** The stored JSON back as a definition (see `planToJson`). */
export function planFromJson(json: PlanJson): PlanDefinition {
  return {
    ...json,
    allocations: json.allocations.map((allocation) => ({
      ...allocation,
      amountMinor: BigInt(allocation.amountMinor),
      rolloverCapMinor: allocation.rolloverCapMinor === null ? null : BigInt(allocation.rolloverCapMinor),
    })),
    overage:
      json.overage.policy === "allow"
        ? { ...json.overage, limitMinor: BigInt(json.overage.limitMinor) }
        : { policy: json.overage.policy },
    price: json.price && { ...json.price, amountMinor: BigInt(json.price.amountMinor) },
  };
}

/**
 * What tells two definitions of a plan apart: the hash of its canonical JSON (keys sorted), so
 * the same definition read twice from the configuration is the same version.
 */
export function planHash(plan: PlanDefinition): string {
  return contentHash(planToJson(plan));
}
