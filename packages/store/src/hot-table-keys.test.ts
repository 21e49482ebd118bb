// Ready to scale out (docs/operating/scaling.md): every hot table's primary key and unique
// indexes lead with account_id, so the tables can be distributed by account on Citus (which
// enforces a unique index only when it holds the distribution column) and a batch's writes stay
// on its account's shard. Read from the catalog on both databases; every table must be named
// below, hot or exempt, so a new table is classified when it is added.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openTestLedger, testDatabases } from "./testing/test-databases.ts";

/** Tables a ledger batch or a per-account request reads or writes, each with why it is hot. */
const HOT_TABLES: Readonly<Record<string, string>> = {
  accounts: "locked by every batch (the row lock that orders an account's operations), version bumped",
  balances: "one row per account and unit, updated by every spend",
  lots: "drawn down by every spend, written by every grant",
  holds: "written by every authorize, settle and release",
  transactions: "one row per ledger write",
  entries: "two or more rows per ledger write",
  idempotency_keys: "one row per ledger write, read by every replay",
  usage_events: "one row per metered call",
  members: "loaded by every batch for an organization's member",
  member_limits: "updated by every member's spend",
  subscriptions: "loaded by every batch, renewed in it",
  webhook_events: "derived in the batch that causes them, in its statement",
  webhook_deliveries: "one row per event and endpoint, updated by the dispatcher",
  webhook_attempts: "one row per delivery attempt",
  auto_top_ups: "read by the balances trigger on every spend",
  auto_top_up_crossings: "written by the balances trigger in the batch's transaction",
  feature_cost_overrides: "read when a feature's charge is priced for the account",
};

/**
 * Unique indexes of hot tables that do not lead with account_id yet, each with what replaces it
 * before a Citus deployment (docs/operating/scaling.md, "What does not work on Citus today").
 */
const KNOWN_GAPS: Readonly<Record<string, string>> = {
  accounts_type_external_id_key:
    "the app's id → account lookup; on Citus it becomes its own table distributed by external id",
};

/** Tables that are not per account, each with why: reference tables, or the deployment's own. */
const EXEMPT_TABLES: Readonly<Record<string, string>> = {
  units: "the deployment's units: a small reference table",
  features: "the deployment's features: a small reference table",
  model_prices: "the price book: a reference table, read by every instance",
  price_snapshots: "prices as charged, shared by every account's events: a reference table",
  plan_versions: "the plan catalog: a reference table",
  webhook_endpoints: "the app's endpoints: a small reference table",
  api_keys: "looked up by token hash on every request, not per account: a reference table",
  http_idempotency_keys: "per API key (scope), not per account: distributed by scope if at all",
  server_instances: "one row per server process: a reference table",
  dashboard_sessions: "the dashboard's sign-ins, per admin key: a reference table or the coordinator's",
  schema_migrations: "the migration log: on the coordinator only",
  stripe_customers: "looked up by Stripe's customer id from webhooks: Stripe's side, low volume",
  stripe_events: "Stripe's event log, keyed by Stripe's event id: low volume",
  stripe_pack_purchases: "keyed by Stripe's payment intent: low volume",
  stripe_refund_claw_backs: "keyed by Stripe's charge: low volume",
  stripe_subscriptions: "keyed by Stripe's subscription id: low volume",
};

interface UniqueIndex {
  table: string;
  index: string;
  firstColumn: string | null;
}

for (const database of await testDatabases()) {
  describe(`hot tables lead with account_id on ${database.name}`, () => {
    test("every primary key and unique index of a hot table leads with account_id", async () => {
      const ledger = await openTestLedger(database);
      try {
        const tables = await ledger.sql.query<{ table: string }>(
          `select c.relname as table from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = $1 and c.relkind in ('r', 'p') order by 1`,
          [ledger.schema],
        );
        const unclassified = tables
          .map((row) => row.table)
          .filter((table) => !(table in HOT_TABLES || table in EXEMPT_TABLES));
        assert.deepEqual(unclassified, [], "each table is listed as hot or exempt, with why");
        for (const table of Object.keys(HOT_TABLES)) {
          assert.ok(
            tables.some((row) => row.table === table),
            `${table} exists`,
          );
        }
        // indkey[0] is the index's first column; 0 means an expression.
        const indexes = await ledger.sql.query<UniqueIndex>(
          `select c.relname as table, i.relname as index, a.attname as "firstColumn"
           from pg_index x
           join pg_class c on c.oid = x.indrelid
           join pg_class i on i.oid = x.indexrelid
           join pg_namespace n on n.oid = c.relnamespace
           left join pg_attribute a on a.attrelid = c.oid and a.attnum = x.indkey[0]
           where n.nspname = $1 and x.indisunique
           order by 1, 2`,
          [ledger.schema],
        );
        const offending = indexes
          .filter((row) => row.table in HOT_TABLES && row.firstColumn !== "account_id" && !(row.index in KNOWN_GAPS))
          .map((row) => `${row.table}.${row.index} leads with ${row.firstColumn ?? "an expression"}`);
        assert.deepEqual(offending, []);
        for (const gap of Object.keys(KNOWN_GAPS)) {
          assert.ok(
            indexes.some((row) => row.index === gap && row.firstColumn !== "account_id"),
            `${gap} is still a gap: remove it from KNOWN_GAPS`,
          );
        }
        // Every hot table has a primary key, and it is among the indexes checked above.
        const keyed = await ledger.sql.query<{ table: string }>(
          `select c.relname as table from pg_constraint k
           join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = $1 and k.contype = 'p'`,
          [ledger.schema],
        );
        for (const table of Object.keys(HOT_TABLES)) {
          assert.ok(
            keyed.some((row) => row.table === table),
            `${table} has a primary key`,
          );
        }
      } finally {
        await ledger.dispose();
      }
    });
  });
}
