// Subscriptions through the ledger, on PGlite and PostgreSQL, with the ledger's clock moved by hand.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defineLedgerConfig, type PlanDefinition } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { openTestLedger, testDatabases, testPostgres } from "@tollgate/store/testing";
import { Ledger } from "../ledger.ts";

const DAY_MS = 86_400_000;
const config = defineLedgerConfig({
  units: [
    { unit: "credits", scale: 0 },
    { unit: "usd", scale: 2 },
  ],
});

/** A test plan named `id` (name and id alike): monthly, 100 credits that reset, unless overridden. */
const plan = (id: string, overrides: Partial<PlanDefinition> = {}): PlanDefinition =>
  testPlan({ id, name: id, ...overrides });

/** A test ledger whose clock the test sets. */
async function clockedLedger(database: Awaited<ReturnType<typeof testDatabases>>[number], start: string) {
  const clock = { now: new Date(start) };
  const ledger = await openTestLedger(database, { config, clock: () => clock.now });
  return { ledger, clock, at: (iso: string) => (clock.now = new Date(iso)) };
}

type TestLedger = Awaited<ReturnType<typeof openTestLedger>>;

const balanceOf = async (ledger: Ledger, externalId: string, unit = "credits") =>
  (await ledger.getBalances({ type: "user", externalId }, { unit, fresh: true }))?.[0]?.balanceMinor ?? 0n;

/** Sums of the system accounts' entries in a unit: what was issued (negative) and expired. */
async function systemTotals(ledger: Ledger, unit: string) {
  const rows = await ledger.sql.query<{ account_id: string; total: bigint }>(
    "select account_id, sum(amount_minor)::bigint as total from entries where unit = $1 and account_id like 'system:%' group by account_id",
    [unit],
  );
  const of = (id: string) => rows.find((row) => row.account_id === id)?.total ?? 0n;
  return { issued: -of("system:issuance"), expired: of("system:expiry") };
}

const liveLots = async (ledger: Ledger, externalId: string) =>
  ((await ledger.getBalances({ type: "user", externalId }, { fresh: true })) ?? []).flatMap((view) =>
    view.lots.map((lot) => ({ unit: view.unit, remainingMinor: lot.remainingMinor, expiresAt: lot.expiresAt })),
  );

/** Every lot the account was granted with its grant's key, without ids (each ledger makes its own). */
async function allLots(ledger: Ledger, externalId: string) {
  const rows = await ledger.sql.query<Record<string, unknown>>(
    `select l.unit, l.source, l.granted_minor, l.remaining_minor, l.held_minor, l.expires_at, l.created_at,
            t.idempotency_key
       from lots l
       join accounts a on a.account_id = l.account_id
       join transactions t on t.transaction_id = l.transaction_id
      where a.external_id = $1
      order by l.created_at, l.unit`,
    [externalId],
  );
  // The key names the subscription, whose id each ledger makes: keep the period and allocation.
  return rows.map(({ idempotency_key, ...lot }) => ({ ...lot, period: String(idempotency_key).split(":").slice(3) }));
}

async function assertReconciled(ledger: TestLedger | Ledger) {
  const report = await ledger.reconcile();
  assert.equal(report.ok, true, JSON.stringify(report.checks.filter((check) => check.mismatches.length > 0)));
}

for (const database of await testDatabases()) {
  describe(`subscriptions on ${database.name}`, () => {
    test("a monthly reset renews from 31 January to 28 February, lazily, on the next operation", async () => {
      const { ledger, at } = await clockedLedger(database, "2027-01-31T09:00:00Z");
      try {
        const user = { type: "user" as const, externalId: "jan31" };
        const monthly = plan("monthly", { period: { every: "month", anchor: "anniversary", timeZone: "UTC" } });
        const subscribed = await ledger.subscribe({ account: user, plan: monthly, idempotencyKey: "sub" });
        assert.ok(subscribed.ok);
        assert.equal(subscribed.value.subscription.periodEnd.toISOString(), "2027-02-28T09:00:00.000Z");
        assert.equal(subscribed.value.balanceMinor, 100n);
        assert.ok((await ledger.charge({ account: user, amountMinor: 30n, idempotencyKey: "c1" })).ok);
        at("2027-02-28T09:00:00Z");
        const charged = await ledger.charge({ account: user, amountMinor: 1n, idempotencyKey: "c2" });
        assert.ok(charged.ok);
        assert.equal(charged.value.balanceMinor, 99n, "70 unspent expired; 100 granted for the new period");
        const subscription = await ledger.getSubscription(user);
        assert.equal(subscription?.periodStart.toISOString(), "2027-02-28T09:00:00.000Z");
        assert.equal(subscription?.periodEnd.toISOString(), "2027-03-31T09:00:00.000Z");
        assert.equal((await systemTotals(ledger, "credits")).expired, 70n);
        await assertReconciled(ledger);
      } finally {
        await ledger.dispose();
      }
    });

    test("a daily reset renews at local midnight, from the renewal job", async () => {
      const { ledger, at } = await clockedLedger(database, "2027-11-02T12:00:00Z");
      try {
        const user = { type: "user" as const, externalId: "tokyo" };
        const daily = plan("daily", { period: { every: "day", anchor: "calendar", timeZone: "Asia/Tokyo" } });
        assert.ok((await ledger.subscribe({ account: user, plan: daily, idempotencyKey: "sub" })).ok);
        // Midnight in Tokyo (+09:00) is 15:00 UTC the day before.
        assert.equal((await ledger.getSubscription(user))?.periodEnd.toISOString(), "2027-11-02T15:00:00.000Z");
        at("2027-11-02T14:59:59Z");
        assert.deepEqual(await ledger.renewDue(), { accounts: 0 });
        at("2027-11-02T15:00:00Z");
        assert.deepEqual(await ledger.renewDue(), { accounts: 1 });
        assert.deepEqual(await ledger.renewDue(), { accounts: 0 }, "renewed: no longer due");
        assert.equal((await ledger.getSubscription(user))?.periodEnd.toISOString(), "2027-11-03T15:00:00.000Z");
        assert.equal(await balanceOf(ledger, "tokyo"), 100n);
        await assertReconciled(ledger);
      } finally {
        await ledger.dispose();
      }
    });

    test("a rollover allocation carries what is unspent up to its cap, over three periods", async () => {
      const { ledger, at } = await clockedLedger(database, "2027-01-10T00:00:00Z");
      try {
        const user = { type: "user" as const, externalId: "saver" };
        const saver = plan("saver", { allocations: [allocation({ renewal: "rollover", rolloverCapMinor: 150n })] });
        assert.ok((await ledger.subscribe({ account: user, plan: saver, idempotencyKey: "sub" })).ok);
        assert.ok((await ledger.charge({ account: user, amountMinor: 20n, idempotencyKey: "c1" })).ok);
        const expected = [
          ["2027-02-01T00:00:00Z", 180n, 0n],
          ["2027-03-01T00:00:00Z", 250n, 30n],
          ["2027-04-01T00:00:00Z", 250n, 130n],
        ] as const;
        for (const [instant, balance, expired] of expected) {
          at(instant);
          await ledger.renewDue();
          assert.equal(await balanceOf(ledger, "saver"), balance, instant);
          assert.equal((await systemTotals(ledger, "credits")).expired, expired, instant);
        }
        await assertReconciled(ledger);
      } finally {
        await ledger.dispose();
      }
    });

    test("an account untouched for 90 days ends as if renewed every day", async () => {
      const start = "2027-03-01T12:00:00Z";
      const daily = plan("daily", {
        period: { every: "day", anchor: "calendar", timeZone: "Europe/Paris" },
        allocations: [
          allocation({}),
          allocation({ unit: "usd", amountMinor: 25n, renewal: "rollover", rolloverCapMinor: 60n }),
        ],
      });
      const continuous = await clockedLedger(database, start);
      const outage = await clockedLedger(database, start);
      try {
        const user = { type: "user" as const, externalId: "sleeper" };
        for (const { ledger } of [continuous, outage]) {
          assert.ok((await ledger.subscribe({ account: user, plan: daily, idempotencyKey: "sub" })).ok);
          assert.ok((await ledger.charge({ account: user, amountMinor: 40n, idempotencyKey: "c1" })).ok);
        }
        const day = (n: number) => new Date(new Date(start).getTime() + n * DAY_MS).toISOString();
        for (let n = 1; n <= 90; n++) {
          continuous.at(day(n));
          assert.equal((await continuous.ledger.renewDue()).accounts, 1, `day ${n}`);
        }
        outage.at(day(90));
        assert.ok((await outage.ledger.charge({ account: user, amountMinor: 1n, idempotencyKey: "c2" })).ok);
        assert.ok((await continuous.ledger.charge({ account: user, amountMinor: 1n, idempotencyKey: "c2" })).ok);

        for (const unit of ["credits", "usd"]) {
          assert.equal(
            await balanceOf(outage.ledger, "sleeper", unit),
            await balanceOf(continuous.ledger, "sleeper", unit),
          );
        }
        assert.deepEqual(await liveLots(outage.ledger, "sleeper"), await liveLots(continuous.ledger, "sleeper"));
        const [a, b] = [await outage.ledger.getSubscription(user), await continuous.ledger.getSubscription(user)];
        assert.deepEqual([a?.periodStart, a?.periodEnd], [b?.periodStart, b?.periodEnd]);
        // Each missed day's reset lot is issued and expired; rollover credits over the cap expire
        // at each boundary: the same issuance and expiry, and the same lots, as renewing daily.
        for (const unit of ["credits", "usd"]) {
          assert.deepEqual(await systemTotals(outage.ledger, unit), await systemTotals(continuous.ledger, unit), unit);
        }
        const lots = await allLots(outage.ledger, "sleeper");
        assert.equal(lots.length, 2 * 91, "two allocations for each of 91 days");
        assert.deepEqual(lots, await allLots(continuous.ledger, "sleeper"));
        await assertReconciled(outage.ledger);
        await assertReconciled(continuous.ledger);
      } finally {
        await outage.ledger.dispose();
        await continuous.ledger.dispose();
      }
    });

    test("an upgrade mid-period grants the difference once; a replay grants nothing", async () => {
      const { ledger, at } = await clockedLedger(database, "2027-05-01T00:00:00Z");
      try {
        const user = { type: "user" as const, externalId: "upgrader" };
        const basic = plan("basic");
        const pro = plan("pro", { allocations: [allocation({ amountMinor: 500n })] });
        assert.ok((await ledger.subscribe({ account: user, plan: basic, idempotencyKey: "sub" })).ok);
        at("2027-05-15T00:00:00Z");
        const upgraded = await ledger.changePlan({ account: user, plan: pro, idempotencyKey: "up" });
        assert.ok(upgraded.ok);
        assert.equal(upgraded.value.balanceMinor, 500n, "100 + the 400 difference");
        assert.equal(upgraded.value.subscription.planId, "pro");
        const replay = await ledger.changePlan({ account: user, plan: pro, idempotencyKey: "up" });
        assert.ok(replay.ok && replay.replayed);
        assert.deepEqual(replay.value.transactionIds, upgraded.value.transactionIds);
        assert.equal(await balanceOf(ledger, "upgrader"), 500n);
        const again = await ledger.changePlan({ account: user, plan: pro, idempotencyKey: "up-again" });
        assert.equal(again.ok ? "ok" : again.code, "plan_unchanged");
        at("2027-06-01T00:00:00Z");
        await ledger.renewDue();
        assert.equal(
          await balanceOf(ledger, "upgrader"),
          500n,
          "the difference expired with the period; pro's 500 granted",
        );
        await assertReconciled(ledger);
      } finally {
        await ledger.dispose();
      }
    });

    test("a downgrade waits for the period's end; a cancellation at period end too, and one now at once", async () => {
      const { ledger, at } = await clockedLedger(database, "2027-05-01T00:00:00Z");
      try {
        const pro = plan("pro", { allocations: [allocation({ amountMinor: 500n })] });
        const basic = plan("basic");
        const alice = { type: "user" as const, externalId: "alice" };
        assert.ok((await ledger.subscribe({ account: alice, plan: pro, idempotencyKey: "sub" })).ok);
        const down = await ledger.changePlan({ account: alice, plan: basic, idempotencyKey: "down" });
        assert.ok(down.ok);
        assert.equal(down.value.subscription.planId, "pro", "still pro until the period ends");
        assert.equal(down.value.subscription.pendingChange?.planId, "basic");
        assert.equal(down.value.balanceMinor, 500n, "nothing taken back");

        const bob = { type: "user" as const, externalId: "bob" };
        assert.ok((await ledger.subscribe({ account: bob, plan: basic, idempotencyKey: "sub" })).ok);
        const cancel = await ledger.cancelSubscription({ account: bob, idempotencyKey: "cancel" });
        assert.ok(cancel.ok);
        assert.equal(cancel.value.subscription.status, "active");
        assert.equal(cancel.value.subscription.cancelAtPeriodEnd, true);

        const carol = { type: "user" as const, externalId: "carol" };
        const monthToMonth = plan("flex", { cancel: "now" });
        assert.ok((await ledger.subscribe({ account: carol, plan: monthToMonth, idempotencyKey: "sub" })).ok);
        const now = await ledger.cancelSubscription({ account: carol, idempotencyKey: "cancel" });
        assert.ok(now.ok);
        assert.equal(now.value.subscription.status, "canceled");
        const twice = await ledger.cancelSubscription({ account: carol, idempotencyKey: "cancel-2" });
        assert.equal(twice.ok ? "ok" : twice.code, "subscription_not_found");

        at("2027-06-01T00:00:00Z");
        assert.equal((await ledger.renewDue()).accounts, 2, "alice and bob; carol is canceled");
        const alices = await ledger.getSubscription(alice);
        assert.deepEqual([alices?.planId, alices?.pendingChange], ["basic", null]);
        assert.equal(await balanceOf(ledger, "alice"), 100n, "basic's allocation for June");
        assert.equal((await ledger.getSubscription(bob))?.status, "canceled");
        assert.equal(await balanceOf(ledger, "bob"), 0n, "May's lot expired; no June grant");
        assert.equal(await balanceOf(ledger, "carol"), 0n);
        const resubscribed = await ledger.subscribe({ account: bob, plan: pro, idempotencyKey: "sub-again" });
        assert.ok(resubscribed.ok, "a canceled subscription may be replaced");
        assert.equal(resubscribed.value.balanceMinor, 500n);
        await assertReconciled(ledger);
      } finally {
        await ledger.dispose();
      }
    });

    test("a plan the ledger refuses is refused before anything is stored", async () => {
      const { ledger } = await clockedLedger(database, "2027-05-01T00:00:00Z");
      try {
        const user = { type: "user" as const, externalId: "nobody" };
        const lost = plan("lost", { period: { every: "day", anchor: "calendar", timeZone: "Mars/Olympus_Mons" } });
        const refused = await ledger.subscribe({ account: user, plan: lost, idempotencyKey: "sub" });
        assert.equal(refused.ok ? "ok" : refused.code, "invalid_plan");
        assert.match(refused.ok ? "" : (refused.details.message ?? ""), /Mars\/Olympus_Mons/);
        const gold = await ledger.subscribe({
          account: user,
          plan: plan("gold", { allocations: [allocation({ unit: "gold" })] }),
          idempotencyKey: "sub",
        });
        assert.equal(gold.ok ? "ok" : gold.code, "unit_not_found");
        assert.deepEqual(await ledger.sql.query("select plan_id from plan_versions"), []);
        assert.equal(await ledger.getSubscription(user), null);
        assert.equal(await ledger.getBalances(user), null, "the account was not opened either");
      } finally {
        await ledger.dispose();
      }
    });

    test("a changed definition is a new version; subscribers keep theirs until moved", async () => {
      const { ledger, at } = await clockedLedger(database, "2027-05-01T00:00:00Z");
      try {
        const v1 = plan("team");
        const v2 = plan("team", { allocations: [allocation({ amountMinor: 300n })] });
        assert.equal((await ledger.syncPlanVersions([v1])).get("team")?.planVersion, 1);
        assert.equal(
          (await ledger.syncPlanVersions([v1])).get("team")?.planVersion,
          1,
          "same definition, same version",
        );
        const early = { type: "user" as const, externalId: "early" };
        assert.ok((await ledger.subscribe({ account: early, plan: v1, idempotencyKey: "sub" })).ok);
        assert.equal((await ledger.syncPlanVersions([v2])).get("team")?.planVersion, 2);
        at("2027-06-01T00:00:00Z");
        await ledger.renewDue();
        assert.equal(await balanceOf(ledger, "early"), 100n, "grandfathered on v1");
        const migrated = await ledger.migrateSubscribers({ planId: "team" });
        assert.deepEqual(migrated, { toVersion: 2, moved: 1, refused: [] });
        assert.equal((await ledger.migrateSubscribers({ planId: "team" })).moved, 0, "nobody is left on v1");
        assert.equal((await ledger.getSubscription(early))?.planVersion, 2);
        assert.equal(await balanceOf(ledger, "early"), 300n, "an upgrade: the 200 difference now");
        await assertReconciled(ledger);
      } finally {
        await ledger.dispose();
      }
    });
  });
}

describe("renewal on several instances", () => {
  test("two ledgers renewing 100 subscriptions at once grant each period exactly once", async (t) => {
    const postgres = await testPostgres();
    if (!postgres) return t.skip("PostgreSQL is not reachable");
    const clock = { now: new Date("2027-01-20T00:00:00Z") };
    const first = await openTestLedger(postgres, { config, clock: () => clock.now });
    const second = await Ledger.open({
      databaseUrl: postgres.databaseUrl,
      schema: first.schema,
      config,
      clock: () => clock.now,
    });
    try {
      const monthly = plan("monthly");
      const subscribers = Array.from({ length: 100 }, (_, index) => ({
        type: "user" as const,
        externalId: `s${index}`,
      }));
      for (const [index, account] of subscribers.entries()) {
        const ledger = index % 2 === 0 ? first : second;
        assert.ok((await ledger.subscribe({ account, plan: monthly, idempotencyKey: "sub" })).ok);
      }
      clock.now = new Date("2027-02-01T00:00:00Z");
      const calls = Array.from({ length: 200 }, (_, index) =>
        (index % 2 === 0 ? first : second).renewDue({ limit: 100 }),
      );
      const swept = (await Promise.all(calls)).reduce((sum, result) => sum + result.accounts, 0);
      assert.ok(swept >= 100, `every due account was swept at least once (${swept} sweeps)`);
      const grants = await first.sql.query<{ idempotency_key: string; count: bigint }>(
        `select idempotency_key, count(*)::bigint as count from transactions
         where idempotency_key like 'tollgate:plan:%' group by idempotency_key`,
      );
      assert.equal(grants.length, 200, "two periods for each of 100 subscriptions");
      assert.ok(
        grants.every((row) => row.count === 1n),
        "no period granted twice",
      );
      for (const account of subscribers) assert.equal(await balanceOf(first, account.externalId), 100n);
      await assertReconciled(first);
    } finally {
      await second.close();
      await first.dispose();
    }
  });
});
