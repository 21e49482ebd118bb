import {
  ACCOUNT_TYPES,
  DEFAULT_LEDGER_CONFIG,
  defineLedgerConfig,
  EQUAL_PRIORITIES,
  GRANT_SOURCES,
  type GrantSource,
  type LedgerConfig,
  PAID_FIRST,
  type SignupGrant,
} from "@tollgate/core";
import * as z from "zod";
import { amountMinor, amountText } from "./amounts.ts";
import { durationMs } from "./durations.ts";
import { type ResolveContext, type UnitScale, unitAt, unitNames } from "./resolve-context.ts";
import { keyedBy, oneOf, settings } from "./settings.ts";

const UNIT_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * A unit's name as the file writes it, wherever a field names a unit.
 *
 * @example
 * unitName.parse("goal_generation")
 */
export const unitName = z
  .string({ error: "must be a unit name (a string)" })
  .regex(UNIT_NAME, { error: "must be lowercase letters, digits and _, starting with a letter" });

const unitSchema = settings(
  {
    unit: unitName,
    scale: z
      .int({ error: "must be an integer number of decimal places from 0 to 18" })
      .min(0, { error: "must be an integer number of decimal places from 0 to 18" })
      .max(18, { error: "must be an integer number of decimal places from 0 to 18" }),
  },
  'an object such as { "unit": "credits", "scale": 0 }',
);

const signupGrantSchema = settings(
  {
    unit: z.string({ error: "must be a unit name (a string)" }),
    amount: amountText,
    expiresIn: durationMs('"30d" or "10m"').nullable().optional(),
  },
  'an object such as { "unit": "credits", "amount": "100", "expiresIn": "30d" }',
);

const priority = z
  .int({ error: "must be an integer priority (lower spends first)" })
  .min(-1_000_000, { error: "must be an integer priority (lower spends first)" })
  .max(1_000_000, { error: "must be an integer priority (lower spends first)" });

/**
 * The ledger's settings, at the top level of the file (docs/operating/configuration.md).
 *
 * @example
 * z.strictObject(ledgerShape).parse({ units: [{ unit: "usd", scale: 2 }], holdTtl: "5m" })
 */
export const ledgerShape = {
  units: z
    .array(unitSchema, { error: "must be a non-empty array" })
    .min(1, { error: "must be a non-empty array" })
    .max(100, { error: "must list at most 100 units" })
    .optional(),
  defaultUnit: z.string({ error: "must be a unit name (a string)" }).optional(),
  signupGrants: keyedBy(
    ACCOUNT_TYPES,
    "an account type",
    z
      .array(signupGrantSchema, { error: "must be an array of grants" })
      .max(100, { error: "must list at most 100 grants" }),
    "an object keyed by account type",
  ).optional(),
  spendOrder: z
    .union([oneOf(["equal", "paid_first"]), keyedBy(GRANT_SOURCES, "a grant source", priority)], {
      error: 'must be "equal", "paid_first" or an object of priorities per source',
    })
    .optional(),
  holdTtl: durationMs('"30d" or "10m"').optional(),
  holdTtlMax: durationMs('"30d" or "10m"').optional(),
  overdraftLimitMinor: z
    .string({ error: 'must be a string of whole minor units such as "0" or "500"' })
    .regex(/^\d{1,16}$/, { error: 'must be a string of whole minor units such as "0" or "500"' })
    .optional(),
};

type LedgerFields = z.output<z.ZodObject<typeof ledgerShape>>;

/**
 * The file's units, or the default `credits`; a unit listed twice is an issue.
 *
 * @example
 * resolveUnits(file.units, context) // [{ unit: "credits", scale: 0 }]
 */
export function resolveUnits(units: LedgerFields["units"], issue: ResolveContext["issue"]): UnitScale[] {
  if (units === undefined) return [...DEFAULT_LEDGER_CONFIG.units];
  units.forEach((unit, index) => {
    if (units.slice(0, index).some((other) => other.unit === unit.unit)) {
      issue(["units", index, "unit"], `"${unit.unit}" is listed twice`);
    }
  });
  return units;
}

/**
 * The second pass over the ledger's settings: units named must be declared, amounts in their
 * unit's scale, holdTtl at most holdTtlMax.
 *
 * @example
 * resolveLedger(file, context).defaultUnit // "credits"
 */
export function resolveLedger(file: LedgerFields, context: ResolveContext): LedgerConfig {
  const { units } = context;
  const defaultUnit = file.defaultUnit ?? units[0]?.unit ?? "credits";
  if (!units.some((unit) => unit.unit === defaultUnit)) {
    context.issue(["defaultUnit"], `must be one of the units (${unitNames(units)})`);
  }
  const holdTtlMsDefault = file.holdTtl ?? DEFAULT_LEDGER_CONFIG.holdTtlMsDefault;
  const holdTtlMsMax = file.holdTtlMax ?? DEFAULT_LEDGER_CONFIG.holdTtlMsMax;
  if (holdTtlMsDefault > holdTtlMsMax) context.issue(["holdTtl"], "must not be longer than holdTtlMax");
  return defineLedgerConfig({
    units,
    defaultUnit,
    signupGrants: resolveSignupGrants(file.signupGrants ?? {}, context),
    sourcePriorities: resolveSpendOrder(file.spendOrder),
    holdTtlMsDefault,
    holdTtlMsMax,
    overdraftLimitMinorDefault:
      file.overdraftLimitMinor === undefined
        ? DEFAULT_LEDGER_CONFIG.overdraftLimitMinorDefault
        : BigInt(file.overdraftLimitMinor),
  });
}

function resolveSignupGrants(
  byType: NonNullable<LedgerFields["signupGrants"]>,
  context: ResolveContext,
): LedgerConfig["signupGrants"] {
  const grants = { user: [], organization: [], guest: [] } as Record<(typeof ACCOUNT_TYPES)[number], SignupGrant[]>;
  for (const type of ACCOUNT_TYPES) {
    grants[type] = (byType[type] ?? []).map((grant, index) => {
      const path = ["signupGrants", type, index];
      const unit = unitAt(context, [...path, "unit"], grant.unit);
      const minor = unit
        ? amountMinor(context, [...path, "amount"], grant.amount, { scale: unit.scale, positive: true })
        : 0n;
      return { unit: grant.unit, amountMinor: minor, expiresInMs: grant.expiresIn ?? null };
    });
  }
  return grants;
}

function resolveSpendOrder(value: LedgerFields["spendOrder"]): Record<GrantSource, number> {
  if (value === undefined || value === "equal") return { ...EQUAL_PRIORITIES };
  if (value === "paid_first") return { ...PAID_FIRST };
  const result = { ...EQUAL_PRIORITIES };
  for (const source of GRANT_SOURCES) {
    const priority = value[source];
    if (priority !== undefined) result[source] = priority;
  }
  return result;
}
