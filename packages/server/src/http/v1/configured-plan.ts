import type { PackDefinition, PlanCatalog, PlanDefinition } from "@tollgate/core";
import { ApiError } from "../api-error.ts";

/** The defined ids, for a message that says what would have been found ("free, pro"). */
const idsOf = (items: ReadonlyArray<{ id: string }>) =>
  items.length === 0 ? "none are configured" : `the configured ones are ${items.map((item) => item.id).join(", ")}`;

/**
 * The configured plan a path names, or 404 `not_found` (reason `plan_not_found`): the URL names
 * a resource that is not there.
 *
 * @example
 * const plan = planOfPath(catalog, "pro");
 */
export function planOfPath(catalog: PlanCatalog, planId: string): PlanDefinition {
  const plan = catalog.plans.find((candidate) => candidate.id === planId);
  if (!plan) {
    throw new ApiError(
      "not_found",
      `No plan "${planId}" in this deployment's configuration; ${idsOf(catalog.plans)}.`,
      {
        reason: "plan_not_found",
      },
    );
  }
  return plan;
}

/**
 * The configured plan a request body names, or 400 `invalid_request` with the field: the request
 * itself is wrong (its URL, the account, exists), as with an unknown unit.
 */
export function planOfBody(catalog: PlanCatalog, planId: string, field = "plan"): PlanDefinition {
  const plan = catalog.plans.find((candidate) => candidate.id === planId);
  if (!plan) {
    const message = `no plan "${planId}" in this deployment's configuration; ${idsOf(catalog.plans)}`;
    throw new ApiError("invalid_request", `${field}: ${message}`, {
      reason: "plan_not_found",
      fields: [{ field, message }],
    });
  }
  return plan;
}

/** A page of configured items after the one with id `after` (their configuration order), at most `limit`. */
export function pageOf<T extends PlanDefinition | PackDefinition>(
  items: readonly T[],
  options: { limit: number; after: string | null },
): { items: T[]; nextCursor: string | null } {
  const start = options.after === null ? 0 : items.findIndex((item) => item.id === options.after) + 1;
  if (options.after !== null && start === 0) {
    throw new ApiError("invalid_request", `after: "${options.after}" is not a configured id; pass a nextCursor`, {
      fields: [{ field: "after", message: "not a configured id" }],
    });
  }
  const page = items.slice(start, start + options.limit);
  const last = page.at(-1);
  return { items: page, nextCursor: last && start + page.length < items.length ? last.id : null };
}
