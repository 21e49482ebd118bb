/**
 * Several `tollgate serve` processes on one PostgreSQL schema under concurrent mixed load,
 * each request sent to the next instance in turn, and what must hold afterwards: the checks of
 * invariant-checks.ts, a hot account granted N and charged far more than N times 1 that
 * granted exactly N charges, lots that expire during the run expired exactly once, and a
 * balance change through one instance seen by a live stream on every instance. It returns the
 * problems it found, for any build of tollgate (checks-bite.test.ts runs it on broken ones).
 */
import { seededRandom } from "../../packages/core/src/testing/seeded-random.ts";
import { openBalanceStream } from "./balance-stream.ts";
import { ledgerProblems } from "./invariant-checks.ts";
import { LedgerBook } from "./ledger-book.ts";
import { createAccounts, nextKey, runMixedOperation, type Workload } from "./mixed-operations.ts";
import { NoFinalAnswer, RetryingClient } from "./retrying-client.ts";
import { openDeployment, REAL_TOLLGATE, type ServerCommand } from "./server-processes.ts";

export interface SeveralInstancesOptions {
  command?: ServerCommand;
  instances: number;
  /** Mixed operations over the accounts (a settled hold is one operation of two requests). */
  operations: number;
  /** What the hot account is granted, and how many charges of 1 it is sent (far more). */
  hot: { credits: number; charges: number };
  accounts: number;
  /** Operations in flight at once. */
  concurrency: number;
  /** Accounts with grants that expire during the run, three lots each. */
  expiringAccounts: number;
  seed: number;
  /** How long one operation may take, retries included, before it counts as a problem (default: the client's 300 s). */
  answerDeadlineMs?: number;
  /** Stops sending (and goes on to the checks) once this many operations got no final answer (default: never). */
  giveUpAfterUnanswered?: number;
  /** How long to wait for holds and lots to expire and for live events (default 60 s): a broken build is reported sooner. */
  conditionDeadlineMs?: number;
}

export interface SeveralInstancesOutcome {
  problems: string[];
  /** Requests' final answers, duplicates included. */
  answered: number;
  hotCharged: number;
  retries: number;
}

/** How long a live stream may take to show a change, and lots to expire, before that counts as a problem (by default). */
const CONDITION_DEADLINE_MS = 60_000;

/** Runs the scenario on a fresh deployment; undefined without PostgreSQL. */
export async function runSeveralInstances(
  options: SeveralInstancesOptions,
): Promise<SeveralInstancesOutcome | undefined> {
  const command = options.command ?? REAL_TOLLGATE;
  const deployment = await openDeployment({ prefix: "instances", command });
  if (!deployment) return undefined;
  try {
    const servers = [];
    for (let i = 0; i < options.instances; i++) servers.push(await deployment.start());
    const urls = servers.map((server) => server.url);
    let turn = 0;
    const roundRobin = () => urls[turn++ % urls.length] as string;
    const deadlineMs = options.answerDeadlineMs;
    const waitMs = options.conditionDeadlineMs ?? CONDITION_DEADLINE_MS;
    const client = new RetryingClient({ token: deployment.token, baseUrl: roundRobin, deadlineMs });
    const otherCaller = new RetryingClient({
      token: await deployment.createKey("second caller"),
      baseUrl: roundRobin,
      deadlineMs,
    });
    const book = new LedgerBook();
    const random = seededRandom(options.seed);
    const hot = "user:hot";
    const workload: Workload = {
      client,
      book,
      random,
      accounts: Array.from({ length: options.accounts }, (_, i) => `user:instances-${i}`),
      keyPrefix: `instances-${options.seed}`,
      expiringHoldTtlSeconds: 5,
      duplicate: { client: otherCaller, every: 20 },
    };
    await createAccounts({ ...workload, accounts: [...workload.accounts, hot] });
    const hotGrant = await book.send(client, {
      kind: "grant",
      account: hot,
      path: `/v1/accounts/${hot}/grants`,
      key: nextKey(workload, "hot-grant"),
      body: { amount: String(options.hot.credits), source: "purchase" },
    });
    if (hotGrant.status !== 200) throw new Error(`hot grant: ${hotGrant.status}`);
    const expiring = await grantExpiringLots(client, options.expiringAccounts, workload.keyPrefix);
    const live = await liveStreams(client, deployment.token, urls, workload.keyPrefix);

    // The load: mixed operations and the hot account's charges, interleaved, `concurrency` at a time.
    const jobs: Array<() => Promise<unknown>> = [];
    const hotCharge = () =>
      book.send(client, {
        kind: "charge",
        account: hot,
        path: "/v1/charges",
        key: nextKey(workload, "hot-charge"),
        body: { account: hot, amount: "1" },
      });
    const total = options.operations + options.hot.charges;
    for (let i = 0, hotLeft = options.hot.charges; i < total; i++) {
      const hotNext = random() * (total - i) < hotLeft;
      if (hotNext) hotLeft -= 1;
      jobs.push(hotNext ? hotCharge : () => runMixedOperation(workload));
    }
    let next = 0;
    const unanswered: string[] = [];
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < jobs.length && unanswered.length < (options.giveUpAfterUnanswered ?? Number.POSITIVE_INFINITY)) {
          try {
            await (jobs[next++] as () => Promise<unknown>)();
          } catch (error) {
            // A server that keeps failing an operation is a finding, not a reason to stop looking.
            if (!(error instanceof NoFinalAnswer)) throw error;
            unanswered.push(error.message);
          }
        }
      }),
    );

    const problems = [...unanswered, ...(await ledgerProblems(client, book, { holdsReleasedDeadlineMs: waitMs }))];
    const hotCharged = book.successes(hot, "charge");
    if (hotCharged !== options.hot.credits)
      problems.push(`${hot}: granted ${options.hot.credits}, ${hotCharged} charges of 1 acknowledged`);
    problems.push(...(await expiredOnce(client, expiring, waitMs)));
    problems.push(...(await live.changeSeenEverywhere(waitMs)));
    return {
      problems,
      answered: book.answers.length + book.duplicates.length,
      hotCharged,
      retries: client.retries.unreachable + client.retries.inProgress + client.retries.other,
    };
  } finally {
    await deployment.dispose();
  }
}

/** Accounts, each with three lots that expire in two seconds, while the load runs: the sweepers of every instance race for them. */
async function grantExpiringLots(client: RetryingClient, count: number, prefix: string) {
  const lots = new Map<string, string[]>();
  for (let i = 0; i < count; i++) {
    const account = `user:expiring-${i}`;
    const ids: string[] = [];
    await client.post("/v1/accounts", `${prefix}-expiring-${i}`, { type: "user", externalId: `expiring-${i}` });
    for (let lot = 0; lot < 3; lot++) {
      const { status, body } = await client.post(`/v1/accounts/${account}/grants`, `${prefix}-expiring-${i}-${lot}`, {
        amount: String(10 + lot),
        source: "promo",
        expiresIn: "2s",
      });
      if (status !== 200) throw new Error(`expiring grant: ${status} ${JSON.stringify(body)}`);
      ids.push(body.lotId);
    }
    lots.set(account, ids);
  }
  return lots;
}

/** Problems unless every lot expired, each by exactly one expiry transaction, leaving nothing. */
async function expiredOnce(client: RetryingClient, lots: Map<string, string[]>, waitMs: number): Promise<string[]> {
  const problems: string[] = [];
  const deadline = Date.now() + waitMs;
  for (const [account, ids] of lots) {
    let balance = "";
    while (Date.now() < deadline) {
      balance = (await client.get(`/v1/accounts/${account}/balances?unit=credits`)).body.data[0]?.balance ?? "0";
      if (balance === "0") break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (balance !== "0") problems.push(`${account}: balance ${balance} after its lots expired`);
    const { body } = await client.get(`/v1/accounts/${account}/transactions?limit=500`);
    for (const lotId of ids) {
      const expiries = new Set(
        body.data
          .filter((line: { kind: string; lotId: string }) => line.kind === "expiry" && line.lotId === lotId)
          .map((line: { transactionId: string }) => line.transactionId),
      );
      if (expiries.size !== 1) problems.push(`${account}: lot ${lotId} expired by ${expiries.size} transactions`);
    }
  }
  return problems;
}

/** A live stream of one account on every instance; later, a grant through one of them that each must show. */
async function liveStreams(client: RetryingClient, token: string, urls: string[], prefix: string) {
  const account = "user:live";
  await client.post("/v1/accounts", `${prefix}-live`, { type: "user", externalId: "live" });
  const streams = await Promise.all(urls.map((url) => openBalanceStream(url, token, account)));
  return {
    async changeSeenEverywhere(waitMs: number): Promise<string[]> {
      const { status, body } = await client.post(`/v1/accounts/${account}/grants`, `${prefix}-live-grant`, {
        amount: "42",
        source: "purchase",
      });
      if (status !== 200) return [`live grant: ${status}`];
      const seen = await Promise.allSettled(streams.map((stream) => stream.seen(body.balance, waitMs)));
      for (const stream of streams) stream.close();
      return seen.flatMap((result) => (result.status === "rejected" ? [`live stream: ${result.reason}`] : []));
    },
  };
}
