import type * as z from "zod";

/** A unit as the ledger knows it: its name and its number of decimal places. */
export interface UnitScale {
  unit: string;
  scale: number;
}

/**
 * The second pass: what the checks that need more than one field see. The first pass (the zod
 * schema) has checked every field's shape; the second knows the file's units and plans, and
 * reports what it finds at the field's path, as the first does.
 */
export interface ResolveContext {
  units: readonly UnitScale[];
  /** The plan ids the file declares; null when it has no `plans` section. */
  planIds: ReadonlySet<string> | null;
  issue(path: readonly PropertyKey[], message: string): void;
}

/**
 * A context whose issues go to a zod transform's `ctx`, under `base`.
 *
 * @example
 * schema.transform((section, ctx) => resolvePricing(section, contextOf(ctx, { units, planIds: null }, ["pricing"])))
 */
export function contextOf(
  ctx: z.core.$RefinementCtx,
  known: Pick<ResolveContext, "units" | "planIds">,
  base: readonly PropertyKey[] = [],
): ResolveContext {
  return {
    ...known,
    issue(path, message) {
      ctx.issues.push({ code: "custom", message, path: [...base, ...path], input: undefined });
    },
  };
}

/** `credits, usd`: how an error lists the units a field may name. */
export function unitNames(units: readonly UnitScale[]): string {
  return units.map((unit) => unit.unit).join(", ");
}

/**
 * The unit named `name`, or an issue at `path` listing the units.
 *
 * @example
 * const unit = unitAt(context, ["features", "goal", "unit"], "gems") // issue: must be one of the units (credits)
 */
export function unitAt(context: ResolveContext, path: readonly PropertyKey[], name: string): UnitScale | null {
  const unit = context.units.find((candidate) => candidate.unit === name);
  if (!unit) context.issue(path, `must be one of the units (${unitNames(context.units)})`);
  return unit ?? null;
}
