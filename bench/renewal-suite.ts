import { performance } from "node:perf_hooks";
import { every, testPlan } from "@tollgate/core/testing";
import { type BenchDatabase, openPostgresBench } from "./bench-database.ts";
import { type CpuUsage, cpuFields, watchCpu } from "./cpu-usage.ts";
import { type FigureSink, progress } from "./report.ts";

/** What the renewal run measures with; `main.ts` sets the real size, the smoke test a tiny one. */
export interface RenewalSettings {
  /** Subscriptions that cross one period boundary together (10,000 by default; 100,000 in full). */
  subscriptions: number;
  /** Concurrent callers subscribing the accounts before the run (64). */
  concurrency: number;
  /** Accounts per `renewDue` call, and per round of plain grants: the same batches both ways. */
  limit: number;
  /**
   * Rounds of (grants, then one boundary's renewals), each figure the median over them (3): on a
   * shared machine the neighbours' load moves between minutes, and a grant run and the renewal
   * run beside it see about the same.
   */
  rounds: number;
}

/** A daily plan of 100 credits that reset: each renewal expires one lot and grants one. */
const DAILY = testPlan({ id: "bench-daily", name: "Bench daily", period: every("day") });

const DAY_MS = 86_400_000;
/** Midday, so the first period has half a day left and the next boundary is one clock move away. */
const START = new Date("2027-06-15T12:00:00Z");

/**
 * Renewals per second for `subscriptions` accounts whose daily period ends at the same instant,
 * on PostgreSQL: the clock moves past the boundary and `renewDue` runs until nothing is due, as
 * the server's renewal job would. Measured against the ledger's plain grant rate on the same
 * accounts in the same run (one grant each, submitted `limit` at a time as `renewDue` submits
 * its sweeps), which is the floor a renewal (a grant, plus the expiry of the period that ended
 * and the subscription's new period) cannot beat. Each round runs the grants, then the renewals
 * of one more boundary; each figure is the median over the rounds.
 */
export async function runRenewalSuite(
  settings: RenewalSettings,
  options: { databaseUrl: string; sink: FigureSink; log?: (message: string) => void },
): Promise<void> {
  const { sink, log = progress } = options;
  const clock = { now: START };
  const database = await openPostgresBench({ databaseUrl: options.databaseUrl, clock: () => clock.now });
  try {
    log(`renewal: subscribing ${settings.subscriptions} accounts to a daily plan`);
    const accountIds = await subscribeAll(database, settings);
    const common = {
      database: database.description,
      subscriptions: settings.subscriptions,
      batch: settings.limit,
      rounds: settings.rounds,
    };
    const grantRates: number[] = [];
    const renewalRates: number[] = [];
    const ratios: number[] = [];
    const cpu = { grants: [] as Array<CpuUsage | null>, renewals: [] as Array<CpuUsage | null> };
    for (let round = 1; round <= settings.rounds; round++) {
      log(`renewal: round ${round}: the plain grant floor`);
      const grants = await timed(() => grantAll(database, accountIds, { limit: settings.limit, round }));
      log(`renewal: round ${round}: every subscription across one boundary`);
      clock.now = new Date(START.getTime() + round * DAY_MS);
      const renewals = await timed(() => renewAll(database, settings.limit));
      await assertAllRenewed(database, { expected: accountIds.length, now: clock.now, rounds: round });
      grantRates.push((accountIds.length * 1000) / grants.ms);
      renewalRates.push((renewals.value * 1000) / renewals.ms);
      ratios.push((renewalRates.at(-1) as number) / (grantRates.at(-1) as number));
      cpu.grants.push(grants.cpu);
      cpu.renewals.push(renewals.cpu);
    }
    const spread = (rates: number[]) => ({ min: Math.round(Math.min(...rates)), max: Math.round(Math.max(...rates)) });
    sink({
      bench: "renewal.grant_floor_per_s",
      value: median(grantRates),
      unit: "grants/s",
      ...common,
      ...spread(grantRates),
      ...cpuFields(meanCpu(cpu.grants)),
    });
    sink({
      bench: "renewal.renewals_per_s",
      value: median(renewalRates),
      unit: "renewals/s",
      ...common,
      ...spread(renewalRates),
      ...cpuFields(meanCpu(cpu.renewals)),
    });
    // The median of each round's ratio: a round's two runs shared the machine's mood.
    sink({
      bench: "renewal.renewals.vs_grant_floor",
      value: median(ratios),
      unit: "x",
      database: database.description,
    });
  } finally {
    await database.dispose();
  }
}

/** Each process's CPU use averaged over the rounds (null off Linux). */
function meanCpu(usages: Array<CpuUsage | null>): CpuUsage | null {
  const known = usages.filter((usage): usage is CpuUsage => usage !== null);
  if (known.length === 0) return null;
  const mean = (field: keyof CpuUsage) =>
    Math.round(known.reduce((sum, usage) => sum + usage[field], 0) / known.length);
  return { self: mean("self"), postgres: mean("postgres"), others: mean("others") };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function timed<T>(run: () => Promise<T>) {
  const stopWatching = watchCpu();
  const startedAt = performance.now();
  const value = await run();
  const ms = performance.now() - startedAt;
  return { value, ms, cpu: stopWatching() };
}

/** Subscribes `bench-0` … to the daily plan (each account opened by its subscribe); their ids. */
async function subscribeAll(database: BenchDatabase, settings: RenewalSettings): Promise<string[]> {
  const { ledger } = database;
  let next = 0;
  const caller = async () => {
    while (next < settings.subscriptions) {
      const index = next++;
      const result = await ledger.subscribe({
        account: { type: "user", externalId: `bench-${index}` },
        plan: DAILY,
        idempotencyKey: `subscribe-${index}`,
      });
      if (!result.ok) throw new Error(`subscribe ${index} was refused: ${result.code}`);
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, caller));
  // Statistics as autovacuum keeps them in a running deployment (see createAccounts).
  await ledger.sql.query("analyze accounts, balances, lots, subscriptions, plan_versions, idempotency_keys");
  const rows = await ledger.sql.query<{ account_id: string }>("select account_id from subscriptions");
  return rows.map((row) => row.account_id);
}

/** One grant per account, `limit` submitted at once, as `renewDue` submits its sweeps. */
async function grantAll(
  database: BenchDatabase,
  accountIds: string[],
  options: { limit: number; round: number },
): Promise<void> {
  const { limit } = options;
  for (let start = 0; start < accountIds.length; start += limit) {
    const results = await Promise.all(
      accountIds.slice(start, start + limit).map((accountId) =>
        database.ledger.grant({
          account: { accountId },
          amountMinor: 100n,
          source: "promo",
          idempotencyKey: `floor-${options.round}-${accountId}`,
        }),
      ),
    );
    const refused = results.find((result) => !result.ok);
    if (refused && !refused.ok) throw new Error(`a floor grant was refused: ${refused.code}`);
  }
}

/** `renewDue` until it finds nothing due; how many accounts it swept. */
async function renewAll(database: BenchDatabase, limit: number): Promise<number> {
  let swept = 0;
  for (;;) {
    const { accounts } = await database.ledger.renewDue({ limit });
    if (accounts === 0) return swept;
    swept += accounts;
  }
}

/** Counts, not trusts: every subscription is in the new period, and was granted for it once. */
async function assertAllRenewed(
  database: BenchDatabase,
  options: { expected: number; now: Date; rounds: number },
): Promise<void> {
  const [row] = await database.ledger.sql.query<{ renewed: bigint; grants: bigint }>(
    `select (select count(*) from subscriptions where period_end > $1) as renewed,
            (select count(*) from transactions where kind = 'grant' and idempotency_key like 'tollgate:plan:%') as grants`,
    [options.now],
  );
  const renewed = Number(row?.renewed ?? 0);
  const grants = Number(row?.grants ?? 0);
  if (renewed !== options.expected || grants !== (options.rounds + 1) * options.expected) {
    throw new Error(`expected ${options.expected} renewals, found ${renewed} (and ${grants} plan grants)`);
  }
}
