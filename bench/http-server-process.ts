/**
 * The Tollgate server under test, in a child process of its own: a ledger on PostgreSQL in a
 * fresh schema (TOLLGATE_BENCH_DATABASE_URL), the meter, API keys and `createApp` wired as
 * `tollgate serve` wires them (start-server.ts), with no rate limit, on 127.0.0.1 and a free port. Creates one
 * secret key, a customer token for `user:bench-0`, and `accounts` funded accounts (argv[2]), then prints
 * `{"url", "token", "customerToken", "customerAccount", "accounts"}` as one line; when its stdin closes it stops and drops the
 * schema. With TOLLGATE_BENCH_HTTP_PROFILE set to a
 * file, a CPU profile of the whole run is written there when it stops (cpu-profile-top.ts reads it).
 * Run by http-suite.ts.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { createApp, SILENT_LOGGER, startExpirySweeper } from "@tollgate/server";
import { ApiKeys } from "@tollgate/store";
import { LOCAL_POSTGRES, openPostgresBench } from "./bench-database.ts";
import { startProfile } from "./cpu-profile.ts";
import { createAccounts } from "./ledger-runs.ts";
import { openBenchMeter } from "./metering-runs.ts";
import { progress } from "./report.ts";

/** What the server process announces on stdout once it listens. */
export interface BenchServerInfo {
  url: string;
  /** A secret key (`tg_sk_…`) for the `Authorization: Bearer` header. */
  token: string;
  /** A customer token (`tg_ct_…`) for `customerAccount`, the account it may read. */
  customerToken: string;
  /** The id (`acct_…`) of `user:bench-0`, the customer token's account. */
  customerAccount: string;
  /** Funded accounts `user:bench-0` … `user:bench-{accounts - 1}`. */
  accounts: number;
}

const accounts = Number(process.argv[2]);
if (!Number.isInteger(accounts) || accounts < 1)
  throw new Error(`accounts: expected a positive integer, got ${process.argv[2]}`);

// Balance reads from memory, as `tollgate serve` serves them (TOLLGATE_BALANCE_CACHE, on by default).
const database = await openPostgresBench({
  databaseUrl: process.env.TOLLGATE_BENCH_DATABASE_URL || LOCAL_POSTGRES,
  balanceCache: true,
});
const { ledger } = database;
await createAccounts(ledger, { count: accounts, concurrency: 16 });
const meter = await openBenchMeter(ledger);
const keys = await ApiKeys.open(ledger.sql, { clock: () => ledger.now() });
const { token } = await keys.create({ kind: "secret", name: "bench" });
const customerAccount = (await ledger.accounts.findId({ type: "user", externalId: "bench-0" })) as string;
const customer = await keys.create({ kind: "customer", name: "bench", accountId: customerAccount });
const app = createApp({
  ledger,
  meter,
  keys,
  // The access log's line is built per request, as in production, but written nowhere: a
  // line per request on a terminal would measure the terminal. Metrics as by default. No
  // rate limit: one key sends every request, thousands a second.
  logger: SILENT_LOGGER,
  operations: { rateLimits: { secret: null, customer: null } },
});
const server = createAdaptorServer({ fetch: app.fetch }) as Server;
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
// As `tollgate serve` runs it: expired holds and lots swept every second.
const sweeper = startExpirySweeper(ledger, { logger: SILENT_LOGGER });
const profile = await startProfile(process.env.TOLLGATE_BENCH_HTTP_PROFILE);
const info: BenchServerInfo = {
  url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  token,
  customerToken: customer.token,
  customerAccount,
  accounts,
};
process.stdout.write(`${JSON.stringify(info)}\n`);

process.stdin.on("end", async () => {
  try {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await profile?.stop();
    await sweeper.stop();
    await keys.close();
    await meter.close();
  } finally {
    await database.dispose();
  }
  progress("http server: stopped, schema dropped");
});
process.stdin.resume();
