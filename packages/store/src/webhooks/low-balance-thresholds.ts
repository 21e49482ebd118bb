import { BALANCES_CHANNEL } from "../persist-writes.ts";
import { channelNameSql, type SqlExecutor } from "../sql-client.ts";

/** An account's `balance.low` threshold in one unit, and where the one that applies comes from. */
export interface LowBalanceThreshold {
  unit: string;
  /** The account's own; null when it has none. 0 turns the event off for the account. */
  accountMinor: bigint | null;
  /** The deployment's default for the unit; null when it has none. */
  defaultMinor: bigint | null;
  /** What applies: the account's, else the default; null: no `balance.low` in this unit. */
  effectiveMinor: bigint | null;
}

export type SetLowBalanceThresholdResult =
  | { code: "set"; threshold: LowBalanceThreshold }
  | { code: "account_not_found" }
  | { code: "unit_not_found" };

/** A threshold's upper bound: the ledger's largest amount. */
const THRESHOLD_MINOR_MAX = 10n ** 18n;

/**
 * Sets (or with null, clears) an account's own threshold in a unit. It lives on the account's
 * balance row, which the batch already loads under the account's lock, so a threshold costs
 * the hot path nothing; setting one in a unit the account never held creates that balance at
 * 0, which every invariant allows. Taken under the account's row lock like any batch, so it
 * applies from the next batch on.
 */
export async function setLowBalanceThreshold(
  sql: SqlExecutor,
  input: { accountId: string; unit: string; thresholdMinor: bigint | null; now: Date },
  defaults: ReadonlyMap<string, bigint>,
): Promise<SetLowBalanceThresholdResult> {
  const { thresholdMinor } = input;
  if (thresholdMinor !== null && (typeof thresholdMinor !== "bigint" || thresholdMinor < 0n)) {
    throw new RangeError("a low-balance threshold is a non-negative bigint (0 turns balance.low off), or null");
  }
  if (thresholdMinor !== null && thresholdMinor > THRESHOLD_MINOR_MAX) {
    throw new RangeError(`a low-balance threshold is at most ${THRESHOLD_MINOR_MAX} minor units`);
  }
  const [row] = await sql.query<{ account_found: boolean; unit_found: boolean; written: boolean }>(
    `with account as (select account_id from accounts where account_id = $1 and type <> 'system' for no key update),
     unit as (select unit from units where unit = $2),
     written as (
       insert into balances (account_id, unit, balance_minor, held_minor, debt_minor, version, updated_at,
         low_balance_threshold_minor)
       select a.account_id, u.unit, 0, 0, 0, 0, $4, $3::bigint from account a, unit u
       where $3::bigint is not null or exists
         (select 1 from balances b where b.account_id = a.account_id and b.unit = u.unit)
       on conflict (account_id, unit) do update set low_balance_threshold_minor = excluded.low_balance_threshold_minor
       returning 1)
     select exists (select 1 from account) as account_found, exists (select 1 from unit) as unit_found,
       exists (select 1 from written) as written,
       -- A new zero balance row shows in the account's balances: caches of it must hear so.
       (select count(pg_notify(${channelNameSql(`'${BALANCES_CHANNEL}'`)}, account_id)) from account
         where exists (select 1 from written)) as notified`,
    [input.accountId, input.unit, thresholdMinor?.toString() ?? null, input.now.toISOString()],
  );
  if (!row?.account_found) return { code: "account_not_found" };
  if (!row.unit_found) return { code: "unit_not_found" };
  const defaultMinor = defaults.get(input.unit) ?? null;
  return {
    code: "set",
    threshold: {
      unit: input.unit,
      accountMinor: thresholdMinor,
      defaultMinor,
      effectiveMinor: thresholdMinor ?? defaultMinor,
    },
  };
}

/**
 * An account's thresholds: every unit with its own or a default one, in unit order.
 */
export async function readLowBalanceThresholds(
  sql: SqlExecutor,
  accountId: string,
  defaults: ReadonlyMap<string, bigint>,
): Promise<LowBalanceThreshold[]> {
  const rows = await sql.query<{ unit: string; low_balance_threshold_minor: bigint }>(
    `select unit, low_balance_threshold_minor from balances
     where account_id = $1 and low_balance_threshold_minor is not null`,
    [accountId],
  );
  const own = new Map(rows.map((row) => [row.unit, BigInt(row.low_balance_threshold_minor)]));
  const units = [...new Set([...own.keys(), ...defaults.keys()])].sort();
  return units.map((unit) => {
    const accountMinor = own.get(unit) ?? null;
    const defaultMinor = defaults.get(unit) ?? null;
    return { unit, accountMinor, defaultMinor, effectiveMinor: accountMinor ?? defaultMinor };
  });
}
