import { AMOUNT_MINOR_MAX, formatMinor, parseDecimalToMinor, type Unit } from "@tollgate/core";
import type { Ledger } from "@tollgate/store";
import { invalidInput } from "./cli-error.ts";

/** The unit a command names, or the deployment's default; an unknown one is invalid input. */
export function resolveUnit(ledger: Pick<Ledger, "units" | "config">, name: string | undefined): Unit {
  const unitName = name ?? ledger.config.defaultUnit;
  const unit = ledger.units.get(unitName);
  if (!unit) {
    throw invalidInput(`unknown unit "${unitName}"; the units are ${[...ledger.units.keys()].join(", ")}`);
  }
  return unit;
}

/**
 * Parses a positive decimal amount in the unit's scale ("12.50" → 1250n for usd), exactly:
 * more decimals than the unit has is an error, never a rounding.
 */
export function parseAmount(text: string, unit: Unit, option = "--amount"): bigint {
  let minor: bigint;
  try {
    minor = parseDecimalToMinor(text, unit.scale);
  } catch (error) {
    throw invalidInput(`${option}: ${(error as Error).message}`);
  }
  if (minor <= 0n) throw invalidInput(`${option} must be positive; got "${text}"`);
  if (minor > AMOUNT_MINOR_MAX) throw invalidInput(`${option} is larger than one operation may move`);
  return minor;
}

/** Minor units as a decimal string in the unit's scale. */
export function formatAmount(minor: bigint, unit: Unit | number): string {
  return formatMinor(minor, typeof unit === "number" ? unit : unit.scale);
}

/** Formats with the scale of a unit known to the ledger (scale 0 for one it does not know). */
export function formatIn(ledger: Pick<Ledger, "units">, unitName: string, minor: bigint): string {
  return formatMinor(minor, ledger.units.get(unitName)?.scale ?? 0);
}

export function parseLimit(text: string | undefined, options: { fallback: number; max: number }): number {
  if (text === undefined) return options.fallback;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > options.max) {
    throw invalidInput(`--limit must be a whole number from 1 to ${options.max}; got "${text}"`);
  }
  return limit;
}
