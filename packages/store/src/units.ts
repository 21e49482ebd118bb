import type { Unit } from "@tollgate/core";
import type { SqlClient } from "./sql-client.ts";

/**
 * Creates the configured units that do not exist yet, and refuses to start if a configured
 * scale differs from the stored one: a unit's scale never changes after creation.
 */
export async function ensureUnits(sql: SqlClient, configured: ReadonlyArray<Unit>): Promise<Map<string, Unit>> {
  for (const unit of configured) {
    await sql.query("insert into units (unit, scale) values ($1, $2) on conflict (unit) do nothing", [
      unit.unit,
      unit.scale,
    ]);
  }
  const rows = await sql.query<{ unit: string; scale: number }>("select unit, scale from units order by unit");
  const units = new Map(rows.map((row) => [row.unit, { unit: row.unit, scale: row.scale }]));
  for (const unit of configured) {
    const stored = units.get(unit.unit);
    if (stored && stored.scale !== unit.scale) {
      throw new Error(
        `unit "${unit.unit}" was created with scale ${stored.scale}; the configuration says ${unit.scale}, and a scale never changes`,
      );
    }
  }
  return units;
}
