import type { AccountType, GrantSource } from "./model.ts";

/** Credits every new account of a type receives, once, in the transaction that creates it. */
export interface SignupGrant {
  unit: string;
  amountMinor: bigint;
  /** Lifetime of the granted lot; null for no expiry. */
  expiresInMs: number | null;
}

/**
 * A deployment's ledger rules. Immutable once the ledger is open.
 *
 * @example
 * const config = defineLedgerConfig({ signupGrants: { user: [{ unit: "credits", amountMinor: 10_000n, expiresInMs: null }] } });
 */
export interface LedgerConfig {
  /** Units to create on start (the scale of an existing unit never changes). */
  units: ReadonlyArray<{ unit: string; scale: number }>;
  defaultUnit: string;
  signupGrants: Readonly<Record<AccountType, ReadonlyArray<SignupGrant>>>;
  /**
   * Default priority of a grant by its source; lower spends first. The default spends
   * everything in one class (then soonest expiry, then oldest); `PAID_FIRST` spends
   * purchased credits before free ones, as an app that sells tokens on top of a free tier does.
   */
  sourcePriorities: Readonly<Record<GrantSource, number>>;
  /** A hold that is neither settled nor released is released after this. */
  holdTtlMsDefault: number;
  holdTtlMsMax: number;
  /** Default overdraft for new accounts: how far a settlement may overrun `available`. */
  overdraftLimitMinorDefault: bigint;
}

export const EQUAL_PRIORITIES: Readonly<Record<GrantSource, number>> = Object.freeze({
  signup: 100,
  plan: 100,
  pack: 100,
  purchase: 100,
  promo: 100,
  admin: 100,
  refund: 100,
});

/** Paid credits first, then plan allocations, then free ones. */
export const PAID_FIRST: Readonly<Record<GrantSource, number>> = Object.freeze({
  purchase: 10,
  pack: 10,
  refund: 20,
  admin: 30,
  plan: 40,
  promo: 50,
  signup: 60,
});

export const DEFAULT_LEDGER_CONFIG: LedgerConfig = Object.freeze({
  units: Object.freeze([{ unit: "credits", scale: 0 }]),
  defaultUnit: "credits",
  signupGrants: Object.freeze({ user: [], organization: [], guest: [] }),
  sourcePriorities: EQUAL_PRIORITIES,
  holdTtlMsDefault: 10 * 60_000,
  holdTtlMsMax: 24 * 60 * 60_000,
  overdraftLimitMinorDefault: 0n,
});

/** Fills the defaults and freezes the result. */
export function defineLedgerConfig(overrides: Partial<LedgerConfig> = {}): LedgerConfig {
  const config = { ...DEFAULT_LEDGER_CONFIG, ...overrides };
  const units = config.units.some((u) => u.unit === config.defaultUnit)
    ? config.units
    : [...config.units, { unit: config.defaultUnit, scale: 0 }];
  return Object.freeze({ ...config, units: Object.freeze([...units]) });
}
