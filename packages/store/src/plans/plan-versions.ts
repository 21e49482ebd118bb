import { PLAN_ID_PATTERN, type PlanDefinition, type PlanVersion } from "@tollgate/core";
import type { SqlClient } from "../sql-client.ts";
import { planHash, planToJson } from "./plan-json.ts";

/** A limit on everything: more plans than any price page lists. */
export const PLANS_PER_SYNC_MAX = 1000;

/**
 * Stores each definition as a version of its plan unless that exact definition (by hash) is
 * stored already, and returns the version of each, by plan id: the current one, what new
 * subscribers get. Versions are numbered 1, 2, … per plan, under a transaction-scoped advisory
 * lock so two instances starting with the same new configuration make one version, not two.
 *
 * @example
 * const versions = await syncPlanVersions(sql, catalog.plans);
 * versions.get("pro"); // { planId: "pro", planVersion: 3, plan }
 */
export async function syncPlanVersions(
  sql: SqlClient,
  plans: readonly PlanDefinition[],
): Promise<Map<string, PlanVersion>> {
  if (plans.length > PLANS_PER_SYNC_MAX) throw new RangeError(`at most ${PLANS_PER_SYNC_MAX} plans at once`);
  const ids = new Set<string>();
  for (const plan of plans) {
    if (typeof plan.id !== "string" || !PLAN_ID_PATTERN.test(plan.id)) {
      throw new RangeError(`plan id "${plan.id}" must be 1 to 64 lowercase letters, digits, "_" or "-"`);
    }
    if (ids.has(plan.id)) throw new RangeError(`plan "${plan.id}" is given twice`);
    ids.add(plan.id);
  }
  if (plans.length === 0) return new Map();
  return sql.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtext(current_schema() || '.plan_versions'))");
    const versions = new Map<string, PlanVersion>();
    for (const plan of plans) {
      const [row] = await tx.query<{ version: number }>(
        `with existing as (select version from plan_versions where plan_id = $1 and definition_hash = $3),
         inserted as (
           insert into plan_versions (plan_id, version, definition, definition_hash)
           select $1, coalesce((select max(version) from plan_versions where plan_id = $1), 0) + 1, $2::jsonb, $3
           where not exists (select 1 from existing)
           returning version)
         select version from existing union all select version from inserted`,
        [plan.id, JSON.stringify(planToJson(plan)), planHash(plan)],
      );
      if (!row) throw new Error(`plan "${plan.id}" was neither found nor stored`);
      versions.set(plan.id, { planId: plan.id, planVersion: Number(row.version), plan });
    }
    return versions;
  });
}
