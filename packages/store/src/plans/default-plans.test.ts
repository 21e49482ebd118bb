// Default plans: a new account of a type with one is subscribed to it in the transaction that
// opens it, on PGlite and PostgreSQL; a refused first write stores nothing of it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defineLedgerConfig, type PlanCatalog, type PlanDefinition } from "@tollgate/core";
import { testPlan } from "@tollgate/core/testing";
import { openTestLedger, testDatabases, testPostgres } from "@tollgate/store/testing";
import { Ledger } from "../ledger.ts";
import { DEFAULT_PLAN_KEY } from "./default-plans.ts";

const config = defineLedgerConfig({
  units: [{ unit: "credits", scale: 0 }],
  signupGrants: { user: [{ unit: "credits", amountMinor: 5n, expiresInMs: null }], organization: [], guest: [] },
});

const free = testPlan({ id: "free", name: "Free" });
const pro = testPlan({ id: "pro", name: "Pro", price: { amountMinor: 2000n, currency: "usd" } });
const catalog = (defaultPlans: PlanCatalog["defaultPlans"], plans: PlanDefinition[] = [free, pro]): PlanCatalog => ({
  plans,
  packs: [],
  defaultPlans,
});

/** What is stored for the user: accounts, subscriptions and signup or plan lots. */
async function storedFor(ledger: Ledger, externalId: string) {
  const [row] = await ledger.sql.query<{ accounts: number; subscriptions: number; lots: number; keys: number }>(
    `select (select count(*)::int from accounts where external_id = $1) as accounts,
       (select count(*)::int from subscriptions s join accounts a using (account_id) where a.external_id = $1) as subscriptions,
       (select count(*)::int from lots l join accounts a using (account_id) where a.external_id = $1) as lots,
       (select count(*)::int from idempotency_keys k join accounts a using (account_id) where a.external_id = $1) as keys`,
    [externalId],
  );
  return row;
}

for (const database of await testDatabases()) {
  describe(`default plans on ${database.name}`, () => {
    test("an account a first charge opens starts on its type's default plan, its allocation spent first-come", async () => {
      const ledger = await openTestLedger(database, { config });
      try {
        const versions = await ledger.syncPlanCatalog(catalog({ user: "free" }));
        assert.equal(versions.get("free")?.planVersion, 1);
        const user = { type: "user" as const, externalId: "first-charge" };
        const charged = await ledger.charge({ account: user, amountMinor: 50n, idempotencyKey: "c1" });
        assert.ok(charged.ok, charged.ok ? "" : charged.code);
        assert.equal(charged.value.balanceMinor, 55n, "5 signup + 100 plan − 50");
        const subscription = await ledger.getSubscription(user);
        assert.equal(subscription?.planId, "free");
        assert.equal(subscription?.planVersion, 1);
        const [key] = await ledger.sql.query<{ idempotency_key: string }>(
          "select idempotency_key from idempotency_keys where idempotency_key = $1",
          [DEFAULT_PLAN_KEY],
        );
        assert.equal(key?.idempotency_key, "tollgate:default-plan");
        const organization = { type: "organization" as const, externalId: "no-default" };
        assert.ok(
          (await ledger.grant({ account: organization, amountMinor: 1n, source: "promo", idempotencyKey: "g" })).ok,
        );
        assert.equal(await ledger.getSubscription(organization), null, "organizations have no default plan here");
        assert.equal((await ledger.reconcile()).ok, true);
      } finally {
        await ledger.dispose();
      }
    });

    test("a refused first charge stores no account, no signup grant and no subscription", async () => {
      const ledger = await openTestLedger(database, { config });
      try {
        await ledger.syncPlanCatalog(catalog({ user: "free" }));
        const user = { type: "user" as const, externalId: "refused" };
        const refused = await ledger.charge({ account: user, amountMinor: 1000n, idempotencyKey: "c1" });
        assert.equal(refused.ok, false);
        assert.equal(!refused.ok && refused.code, "insufficient_credits");
        assert.deepEqual(await storedFor(ledger, "refused"), { accounts: 0, subscriptions: 0, lots: 0, keys: 0 });
        assert.equal(await ledger.getSubscription(user), null);
        // The same account, opened later by a write that succeeds, gets it all once.
        assert.ok((await ledger.charge({ account: user, amountMinor: 10n, idempotencyKey: "c2" })).ok);
        assert.deepEqual(await storedFor(ledger, "refused"), { accounts: 1, subscriptions: 1, lots: 2, keys: 3 });
        assert.equal((await ledger.reconcile()).ok, true);
      } finally {
        await ledger.dispose();
      }
    });

    test("a subscription that opens the account takes the default plan's place", async () => {
      const ledger = await openTestLedger(database, { config });
      try {
        await ledger.syncPlanCatalog(catalog({ user: "free" }));
        const user = { type: "user" as const, externalId: "buyer" };
        const subscribed = await ledger.subscribe({ account: user, plan: pro, idempotencyKey: "sub" });
        assert.ok(subscribed.ok, subscribed.ok ? "" : subscribed.code);
        assert.equal(subscribed.value.subscription.planId, "pro");
        assert.equal(subscribed.value.balanceMinor, 105n, "5 signup + 100 from pro, nothing from free");
        assert.deepEqual(await storedFor(ledger, "buyer"), { accounts: 1, subscriptions: 1, lots: 2, keys: 2 });
      } finally {
        await ledger.dispose();
      }
    });

    test("an account created outright (POST /v1/accounts, accounts create) is subscribed too", async () => {
      const ledger = await openTestLedger(database, { config });
      try {
        await ledger.syncPlanCatalog(catalog({ user: "free", guest: "free" }));
        const guest = await ledger.ensureAccount({ type: "guest", externalId: "visitor" });
        const subscription = await ledger.getSubscription({ accountId: guest.accountId });
        assert.equal(subscription?.planId, "free");
        const [balance] = (await ledger.getBalances({ accountId: guest.accountId }, { fresh: true })) ?? [];
        assert.equal(balance?.balanceMinor, 100n);
        // Creating it again changes nothing.
        await ledger.ensureAccount({ type: "guest", externalId: "visitor" });
        assert.deepEqual(await storedFor(ledger, "visitor"), { accounts: 1, subscriptions: 1, lots: 1, keys: 1 });
      } finally {
        await ledger.dispose();
      }
    });

    test("a catalog with a new definition of the default plan moves new accounts to the new version only", async () => {
      const ledger = await openTestLedger(database, { config });
      try {
        await ledger.syncPlanCatalog(catalog({ user: "free" }));
        const early = await ledger.ensureAccount({ type: "user", externalId: "early" });
        const richer = testPlan({
          id: "free",
          name: "Free",
          allocations: [{ ...free.allocations[0], amountMinor: 200n } as never],
        });
        const versions = await ledger.syncPlanCatalog(catalog({ user: "free" }, [richer]));
        assert.equal(versions.get("free")?.planVersion, 2);
        const late = await ledger.ensureAccount({ type: "user", externalId: "late" });
        assert.equal((await ledger.getSubscription({ accountId: early.accountId }))?.planVersion, 1);
        assert.equal((await ledger.getSubscription({ accountId: late.accountId }))?.planVersion, 2);
        assert.deepEqual(
          (await ledger.planVersions("free")).map(({ version, subscribers }) => ({ version, subscribers })),
          [
            { version: 1, subscribers: 1 },
            { version: 2, subscribers: 1 },
          ],
        );
        // Without default plans, new accounts start unsubscribed.
        await ledger.syncPlanCatalog(catalog({}, [richer]));
        const none = await ledger.ensureAccount({ type: "user", externalId: "none" });
        assert.equal(await ledger.getSubscription({ accountId: none.accountId }), null);
      } finally {
        await ledger.dispose();
      }
    });

    test("a catalog it cannot honour is refused with a RangeError naming the problem, and nothing stored", async () => {
      const ledger = await openTestLedger(database, { config });
      try {
        await assert.rejects(ledger.syncPlanCatalog(catalog({ user: "missing" })), {
          name: "RangeError",
          message: /default plan for user accounts, "missing", is not a defined plan/,
        });
        await assert.rejects(ledger.syncPlanCatalog(catalog({ guest: "pro" })), {
          name: "RangeError",
          message: /default plan for guests, "pro", has a price/,
        });
        const badUnit = testPlan({ id: "gems", allocations: [{ ...free.allocations[0], unit: "gems" } as never] });
        await assert.rejects(ledger.syncPlanCatalog(catalog({}, [free, badUnit])), {
          name: "RangeError",
          message: /plan "gems": .*"gems", which is not a unit/,
        });
        const [row] = await ledger.sql.query<{ count: number }>("select count(*)::int as count from plan_versions");
        assert.equal(row?.count, 0);
        assert.equal(ledger.defaultPlans.size, 0);
      } finally {
        await ledger.dispose();
      }
    });
  });
}

test("two ledgers opening the same 20 accounts at once subscribe each to its default plan exactly once", async (t) => {
  const postgres = await testPostgres();
  if (!postgres) return t.skip("PostgreSQL is not reachable");
  const first = await openTestLedger(postgres, { config });
  const second = await Ledger.open({ databaseUrl: postgres.databaseUrl, schema: first.schema, config });
  try {
    for (const ledger of [first, second]) await ledger.syncPlanCatalog(catalog({ user: "free" }));
    const users = Array.from({ length: 20 }, (_, index) => ({ type: "user" as const, externalId: `race-${index}` }));
    // Each account is opened by up to four first charges at once, two through each instance:
    // one batch opens it, the others find it and charge it.
    const results = await Promise.all(
      users.flatMap((account) =>
        [first, second, first, second].map((ledger, index) =>
          ledger.charge({ account, amountMinor: 1n, idempotencyKey: `c${index}` }),
        ),
      ),
    );
    assert.deepEqual(
      results.filter((result) => !result.ok).map((result) => (result.ok ? "" : result.code)),
      [],
    );
    const [row] = await first.sql.query<{ accounts: number; subscriptions: number; plan_lots: number }>(
      `select (select count(*)::int from accounts where external_id like 'race-%') as accounts,
         (select count(*)::int from subscriptions) as subscriptions,
         (select count(*)::int from lots where source = 'plan') as plan_lots`,
    );
    assert.deepEqual(row, { accounts: 20, subscriptions: 20, plan_lots: 20 });
    for (const account of users) {
      const [balance] = (await first.getBalances(account, { fresh: true })) ?? [];
      assert.equal(balance?.balanceMinor, 101n, "5 signup + 100 plan − 4 charges");
    }
    assert.equal((await first.reconcile()).ok, true);
  } finally {
    await second.close();
    await first.dispose();
  }
});
