import type { Ledger } from "@tollgate/store";
import { type RunOutcome, type RunTiming, runClosedLoop } from "./measure.ts";

/** The accounts a run spreads over: `bench-0` … `bench-(count-1)`, all users. */
export const benchAccount = (index: number) => ({ type: "user" as const, externalId: `bench-${index}` });
export const HOT_ACCOUNT = Object.freeze({ type: "user" as const, externalId: "bench-hot" });

/**
 * Creates `count` accounts through the ledger (each with the configured signup grant, so
 * every one is funded), `concurrency` at a time, plus the hot account.
 */
export async function createAccounts(ledger: Ledger, options: { count: number; concurrency: number }): Promise<void> {
  let next = 0;
  const caller = async () => {
    while (next < options.count) await ledger.ensureAccount(benchAccount(next++));
  };
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  await ledger.ensureAccount(HOT_ACCOUNT);
  // Statistics as autovacuum keeps them in a running deployment: a schema filled seconds
  // ago has none yet, and the planner would scan whole tables for a handful of rows.
  await ledger.sql.query("analyze accounts, balances, lots, holds, idempotency_keys, members");
}

const pick = (accounts: number) => benchAccount(Math.floor(Math.random() * accounts));

/**
 * Charges of 1 credit by `concurrency` callers: each to a random one of `accounts` accounts,
 * or all to the hot account when `accounts` is "hot". `label` keeps each run's idempotency
 * keys apart: a repeated key would be a cheap replay.
 */
export function runCharges(
  ledger: Ledger,
  options: { accounts: number | "hot"; concurrency: number; timing: RunTiming; label: string },
): Promise<RunOutcome> {
  const { accounts } = options;
  const account = accounts === "hot" ? () => HOT_ACCOUNT : () => pick(accounts);
  return runClosedLoop({
    concurrency: options.concurrency,
    timing: options.timing,
    async operation(caller, sequence) {
      const result = await ledger.charge({
        account: account(),
        amountMinor: 1n,
        idempotencyKey: `${options.label}-${caller}-${sequence}`,
      });
      return result.ok;
    },
  });
}

/** Authorize 5, then settle 3 of it: one operation is the pair, as a proxied AI call makes it. */
export function runAuthorizeSettle(
  ledger: Ledger,
  options: { accounts: number; concurrency: number; timing: RunTiming },
): Promise<RunOutcome> {
  return runClosedLoop({
    concurrency: options.concurrency,
    timing: options.timing,
    async operation(caller, sequence) {
      const key = `pair-${caller}-${sequence}`;
      const hold = await ledger.authorize({ account: pick(options.accounts), amountMinor: 5n, idempotencyKey: key });
      if (!hold.ok) return false;
      const settled = await ledger.settle({ holdId: hold.value.holdId, amountMinor: 3n, idempotencyKey: `${key}-s` });
      return settled.ok;
    },
  });
}

/** `getBalances` of a random account, as a dashboard or the SDK's `getTokenBalance` reads it. */
export function runBalanceReads(
  ledger: Ledger,
  options: { accounts: number; concurrency: number; timing: RunTiming },
): Promise<RunOutcome> {
  return runClosedLoop({
    concurrency: options.concurrency,
    timing: options.timing,
    async operation() {
      const balances = await ledger.getBalances(pick(options.accounts));
      return balances !== null && balances.length === 1;
    },
  });
}
