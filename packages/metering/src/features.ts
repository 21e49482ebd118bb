import type { SqlClient } from "@tollgate/store";
import type { FeatureDefinition } from "./pricing-config.ts";

/** A feature's cost for one account: its own override, else the feature's cost. */
export interface FeatureCost {
  feature: string;
  unit: string;
  costMinor: bigint;
  /** True when the account has an override (one customer's own price for an action). */
  overridden: boolean;
}

/** One account's own cost for a feature, and the feature's cost it stands in for. */
export interface AccountFeatureCost {
  feature: string;
  unit: string;
  /** What the account pays per use (0: free). */
  costMinor: bigint;
  /** What every other account pays. */
  featureCostMinor: bigint;
  updatedAt: Date;
}

export interface Feature extends FeatureDefinition {
  feature: string;
  updatedAt: Date;
}

const FEATURE = /^[a-z][a-z0-9_.-]{0,63}$/;

/**
 * Features with a fixed cost in a unit (`generate_goal` costs 3 `goal_generation`),
 * and per-account overrides of that cost. Read at each charge (one indexed lookup), so a
 * change applies to the next call on every instance.
 */
export class Features {
  constructor(private readonly sql: SqlClient) {}

  /** Creates or changes a feature. Its unit must exist. */
  async define(feature: string, definition: FeatureDefinition): Promise<Feature> {
    assertFeatureName(feature);
    assertCost(definition.costMinor);
    const [row] = await this.sql
      .query<{ updated_at: Date }>(
        `insert into features (feature, unit, cost_minor, description) values ($1, $2, $3, $4)
       on conflict (feature) do update set unit = excluded.unit, cost_minor = excluded.cost_minor,
         description = excluded.description, updated_at = now()
       returning updated_at`,
        [feature, definition.unit, definition.costMinor.toString(), definition.description ?? null],
      )
      .catch((error: { code?: string }) => {
        if (error.code === "23503") throw new RangeError(`unit "${definition.unit}" does not exist`);
        throw error;
      });
    return { feature, ...definition, updatedAt: (row as { updated_at: Date }).updated_at };
  }

  async list(): Promise<Feature[]> {
    const rows = await this.sql.query<FeatureRow>(
      "select feature, unit, cost_minor, description, updated_at from features order by feature",
    );
    return rows.map(toFeature);
  }

  /** Sets what one account pays for a feature; null removes the override. */
  async setAccountCost(accountId: string, feature: string, costMinor: bigint | null): Promise<boolean> {
    assertFeatureName(feature);
    if (costMinor === null) {
      const rows = await this.sql.query(
        "delete from feature_cost_overrides where account_id = $1 and feature = $2 returning 1",
        [accountId, feature],
      );
      return rows.length > 0;
    }
    assertCost(costMinor);
    const rows = await this.sql.query(
      `insert into feature_cost_overrides (account_id, feature, cost_minor)
       select $1, feature, $3 from features where feature = $2
       on conflict (account_id, feature) do update set cost_minor = excluded.cost_minor, updated_at = now()
       returning 1`,
      [accountId, feature, costMinor.toString()],
    );
    return rows.length > 0;
  }

  /**
   * Every feature `accountId` pays its own cost for, by feature name, with the feature's own
   * cost beside it. As many as there are features at most, so it needs no pages.
   *
   * @example
   * await meter.features.accountCosts(accountId) // [{ feature: "generate_goal", unit: "goal_generation", costMinor: 1n, featureCostMinor: 3n, … }]
   */
  async accountCosts(accountId: string): Promise<AccountFeatureCost[]> {
    const rows = await this.sql.query<{
      feature: string;
      unit: string;
      cost_minor: bigint;
      feature_cost_minor: bigint;
      updated_at: Date;
    }>(
      `select o.feature, f.unit, o.cost_minor, f.cost_minor as feature_cost_minor, o.updated_at
       from feature_cost_overrides o join features f on f.feature = o.feature
       where o.account_id = $1 order by o.feature`,
      [accountId],
    );
    return rows.map((row) => ({
      feature: row.feature,
      unit: row.unit,
      costMinor: BigInt(row.cost_minor),
      featureCostMinor: BigInt(row.feature_cost_minor),
      updatedAt: row.updated_at,
    }));
  }

  /** What `accountId` (or anyone, when null) pays for `feature`; null for an unknown feature. */
  async costFor(accountId: string | null, feature: string): Promise<FeatureCost | null> {
    const [row] = await this.sql.query<{ unit: string; cost_minor: bigint; overridden: boolean }>(
      `select f.unit, coalesce(o.cost_minor, f.cost_minor) as cost_minor, o.cost_minor is not null as overridden
       from features f left join feature_cost_overrides o on o.feature = f.feature and o.account_id = $2
       where f.feature = $1`,
      [feature, accountId],
    );
    return row ? { feature, unit: row.unit, costMinor: BigInt(row.cost_minor), overridden: row.overridden } : null;
  }
}

interface FeatureRow {
  feature: string;
  unit: string;
  cost_minor: bigint;
  description: string | null;
  updated_at: Date;
}

function toFeature(row: FeatureRow): Feature {
  return {
    feature: row.feature,
    unit: row.unit,
    costMinor: BigInt(row.cost_minor),
    ...(row.description === null ? {} : { description: row.description }),
    updatedAt: row.updated_at,
  };
}

export function assertFeatureName(feature: string): void {
  if (!FEATURE.test(feature)) {
    throw new RangeError(`"${feature}" is not a feature name (lowercase letters, digits, _ . -; up to 64)`);
  }
}

function assertCost(costMinor: bigint): void {
  if (typeof costMinor !== "bigint" || costMinor < 0n || costMinor > 10n ** 15n) {
    throw new RangeError("a feature's cost is a bigint from 0 to 10^15 minor units");
  }
}
