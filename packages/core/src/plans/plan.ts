import type { AccountType } from "../model.ts";

/**
 * Plans and packs as the deployment defines them (the configuration file's `plans`, `packs` and
 * `defaultPlans`). Pure data: the server parses the file into these, the store versions them,
 * the renewal rule and the access check read them. Amounts are minor units of their unit.
 */

export const PERIOD_KINDS = ["day", "week", "month", "year"] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/**
 * How a plan's periods fall. `calendar`: each starts at local midnight of a day, of a Monday
 * (ISO week), of the 1st of a month or of 1 January, in `timeZone`. `anniversary`: each starts
 * at the local time and day of the subscription's start, a day that a short month lacks falling
 * on its last day (31 January → 28 or 29 February → 31 March).
 */
export interface PeriodRule {
  every: PeriodKind;
  anchor: "calendar" | "anniversary";
  /** An IANA time zone ("Europe/Paris", "UTC"): where midnight and month ends are. */
  timeZone: string;
}

/** One unit's allocation per period. */
export interface PlanAllocation {
  unit: string;
  amountMinor: bigint;
  /**
   * `reset`: what is unspent at the period's end expires (an expiry entry), and the next period
   * starts from its allocation. `rollover`: it is carried into the next period, at most
   * `rolloverCapMinor` of it (null: no cap); what is over the cap expires.
   */
  renewal: "reset" | "rollover";
  rolloverCapMinor: bigint | null;
}

/**
 * Which models or features a plan allows, as globs (`openai/*`, `generate_*`, `*`). `allow` null
 * allows all; a name matching `deny` is refused even when `allow` matches it.
 */
export interface AccessRule {
  allow: readonly string[] | null;
  deny: readonly string[];
}

/** What happens when a plan's account has spent its balance. */
export type OveragePolicy =
  | { policy: "block" }
  /** A bounded negative balance: settlements may take `available` down to minus `limitMinor`. */
  | { policy: "allow"; unit: string; limitMinor: bigint };

/** A price shown to customers: in the currency's minor units (cents), ISO 4217 code in lower case. */
export interface DisplayPrice {
  amountMinor: bigint;
  currency: string;
}

/** When a change that lowers what the account gets takes effect. Upgrades always apply now. */
export type ChangeTiming = "now" | "period_end";

export interface PlanDefinition {
  /** The plan's id, stable across versions: lowercase letters, digits, `_` and `-`. */
  id: string;
  /** Shown to customers. */
  name: string;
  period: PeriodRule;
  allocations: readonly PlanAllocation[];
  models: AccessRule;
  features: AccessRule;
  overage: OveragePolicy;
  /** Multiplies the provider's cost for this plan's calls (a decimal string); null: the pricing default. */
  markup: string | null;
  price: DisplayPrice | null;
  /** The Stripe Price a checkout for this plan uses; null until `tollgate stripe push` or the operator sets it. */
  stripePriceId: string | null;
  /** Downgrades and cancellations: at the period's end by default. */
  downgrade: ChangeTiming;
  cancel: ChangeTiming;
}

/** A one-time purchase: `amountMinor` plus a bonus, granted as one lot of source `pack`. */
export interface PackDefinition {
  id: string;
  name: string;
  unit: string;
  /** What the pack sells before its bonus. */
  amountMinor: bigint;
  /** The bonus in percent, a decimal string ("10", "12.5"): the lot is the amount plus the bonus rounded down. */
  bonusPercent: string;
  /** Lifetime of the pack's lot; null: it never expires. */
  expiresInMs: number | null;
  price: DisplayPrice | null;
  stripePriceId: string | null;
}

/** Everything the configuration file says about selling credits. */
export interface PlanCatalog {
  plans: readonly PlanDefinition[];
  packs: readonly PackDefinition[];
  /** The plan a new account of each type is subscribed to (a free tier); none when absent. */
  defaultPlans: Readonly<Partial<Record<AccountType, string>>>;
}

export const EMPTY_PLAN_CATALOG: PlanCatalog = Object.freeze({
  plans: Object.freeze([]),
  packs: Object.freeze([]),
  defaultPlans: Object.freeze({}),
});
