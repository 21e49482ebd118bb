import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AccountState, BatchContext } from "../account-state.ts";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import { defineLedgerConfig } from "../ledger-config.ts";
import { assertAccountConsistent, assertBalancedEntries } from "../testing/invariants.ts";
import { settle } from "../testing/test-account.ts";
import { addTestAccount, createTestBatch, expectOk, run, sweep } from "../testing/test-batch.ts";
import { allocation, every, testPlan } from "../testing/test-plans.ts";
import type { PlanDefinition } from "./plan.ts";
import { RENEWAL_PERIODS_MAX } from "./renew.ts";

const DAY_MS = 86_400_000;
const config = defineLedgerConfig({
  units: [
    { unit: "credits", scale: 0 },
    { unit: "usd", scale: 2 },
  ],
});
let keyCounter = 0;
const key = () => `renew-key-${++keyCounter}`;

function subscribed(plan: PlanDefinition, now: string, anchorAt?: string, overdraftLimitMinor?: bigint) {
  const batch = createTestBatch({ config, now: new Date(now) });
  const user = addTestAccount(batch, { type: "user", ...(overdraftLimitMinor ? { overdraftLimitMinor } : {}) });
  expectOk(
    run(batch, {
      kind: "subscribe",
      account: { accountId: user.account.accountId },
      plan,
      planVersion: 1,
      ...(anchorAt ? { anchorAt: new Date(anchorAt) } : {}),
      idempotencyKey: key(),
    }),
  );
  return { batch, user };
}

const at = (batch: BatchContext, state: AccountState, iso: string) => {
  batch.now = new Date(iso);
  sweep(batch, state);
};
const balance = (state: AccountState, unit = "credits") => state.balances.get(unit)?.balanceMinor ?? 0n;
const liveLots = (state: AccountState) =>
  [...state.lots.values()]
    .filter((lot) => lot.remainingMinor > 0n)
    .map((lot) => ({
      unit: lot.unit,
      source: lot.source,
      remainingMinor: lot.remainingMinor,
      expiresAt: lot.expiresAt,
    }))
    .sort((a, b) => (a.unit + a.remainingMinor < b.unit + b.remainingMinor ? -1 : 1));
const expiredFrom = (batch: BatchContext) =>
  batch.writes.entries
    .filter((entry) => entry.accountId === SYSTEM_ACCOUNTS.expiry)
    .reduce((sum, entry) => sum + entry.amountMinor, 0n);
/** Every lot the account was granted, without its id (each twin makes its own ids). */
const lotsOf = (state: AccountState) =>
  [...state.lots.values()]
    .map((lot) => ({
      unit: lot.unit,
      source: lot.source,
      grantedMinor: lot.grantedMinor,
      remainingMinor: lot.remainingMinor,
      expiresAt: lot.expiresAt?.toISOString() ?? null,
      createdAt: lot.createdAt.toISOString(),
    }))
    .sort((a, b) => (a.createdAt + a.unit < b.createdAt + b.unit ? -1 : 1));
const periodOf = (state: AccountState) => ({
  start: state.subscription?.periodStart.toISOString(),
  end: state.subscription?.periodEnd.toISOString(),
});
const toSystem = (batch: BatchContext, accountId: string, unit: string) =>
  batch.writes.entries
    .filter((entry) => entry.accountId === accountId && entry.unit === unit)
    .reduce((sum, entry) => sum + entry.amountMinor, 0n);
const grantKeys = (batch: BatchContext) =>
  batch.writes.transactions.filter((t) => t.idempotencyKey?.startsWith("tollgate:plan:")).map((t) => t.idempotencyKey);

function consistent(batch: BatchContext) {
  assertBalancedEntries(batch);
  for (const state of batch.accounts.values()) assertAccountConsistent(batch, state);
}

describe("renewal", () => {
  test("a monthly anniversary from 31 January renews on 28 February, then 31 March", () => {
    const { batch, user } = subscribed(testPlan({ period: every("month", "anniversary") }), "2027-01-31T10:00:00Z");
    assert.equal(user.subscription?.periodEnd.toISOString(), "2027-02-28T10:00:00.000Z");
    at(batch, user, "2027-02-28T09:59:59.999Z");
    assert.equal(grantKeys(batch).length, 1, "not renewed before the boundary");
    at(batch, user, "2027-02-28T10:00:00Z");
    assert.equal(user.subscription?.periodStart.toISOString(), "2027-02-28T10:00:00.000Z");
    assert.equal(user.subscription?.periodEnd.toISOString(), "2027-03-31T10:00:00.000Z");
    assert.equal(balance(user), 100n, "the January lot expired, the February one is granted");
    assert.equal(toSystem(batch, SYSTEM_ACCOUNTS.expiry, "credits"), 100n);
    assert.deepEqual(liveLots(user), [
      { unit: "credits", source: "plan", remainingMinor: 100n, expiresAt: new Date("2027-03-31T10:00:00Z") },
    ]);
    at(batch, user, "2027-02-28T10:00:00Z");
    assert.equal(grantKeys(batch).length, 2, "a second sweep at the same instant grants nothing");
    consistent(batch);
  });

  test("a daily calendar plan renews at midnight in its time zone", () => {
    const plan = testPlan({ period: every("day", "calendar", "Europe/Paris") });
    const { batch, user } = subscribed(plan, "2027-06-10T12:00:00Z");
    // Midnight in Paris in June is 22:00 UTC (CEST, +02:00).
    assert.equal(user.subscription?.periodStart.toISOString(), "2027-06-09T22:00:00.000Z");
    assert.equal(user.subscription?.periodEnd.toISOString(), "2027-06-10T22:00:00.000Z");
    at(batch, user, "2027-06-10T22:00:00Z");
    assert.equal(user.subscription?.periodEnd.toISOString(), "2027-06-11T22:00:00.000Z");
    assert.equal(balance(user), 100n);
    consistent(batch);
  });

  test("a rollover allocation carries unspent credits up to its cap over three periods", () => {
    const plan = testPlan({ allocations: [allocation({ renewal: "rollover", rolloverCapMinor: 150n })] });
    const { batch, user } = subscribed(plan, "2027-01-15T00:00:00Z");
    expectOk(
      run(batch, {
        kind: "charge",
        account: { accountId: user.account.accountId },
        amountMinor: 20n,
        idempotencyKey: key(),
      }),
    );
    at(batch, user, "2027-02-01T00:00:00Z");
    assert.equal(balance(user), 180n, "80 carried (under the cap) + 100");
    at(batch, user, "2027-03-01T00:00:00Z");
    assert.equal(balance(user), 250n, "180 capped to 150 + 100");
    assert.equal(toSystem(batch, SYSTEM_ACCOUNTS.expiry, "credits"), 30n);
    at(batch, user, "2027-04-01T00:00:00Z");
    assert.equal(balance(user), 250n, "250 capped to 150 + 100");
    assert.equal(toSystem(batch, SYSTEM_ACCOUNTS.expiry, "credits"), 130n);
    consistent(batch);
  });

  // Each row: a subscription left untouched from `start` to `end`, against a twin swept at
  // every boundary it crosses. Periods that end on month ends, a leap day and daylight-saving
  // changes are where a catch-up that stepped by fixed lengths would drift.
  const outages: Array<{
    name: string;
    plan: PlanDefinition;
    start: string;
    end: string;
    anchorAt?: string;
    /** Charged before the outage: 30 by default; past the balance, a debt the missed periods repay. */
    spentMinor?: bigint;
  }> = [
    {
      name: "90 days of a daily plan in New York (reset and rollover with a cap; one DST change)",
      plan: testPlan({
        period: every("day", "calendar", "America/New_York"),
        allocations: [
          allocation({}),
          allocation({ unit: "usd", amountMinor: 10n, renewal: "rollover", rolloverCapMinor: 35n }),
        ],
      }),
      start: "2027-01-10T15:00:00Z",
      end: "2027-04-10T15:00:00Z",
    },
    {
      name: "a monthly anniversary from 31 January over a leap February (29th, then 31 March)",
      plan: testPlan({
        period: every("month", "anniversary"),
        allocations: [allocation({}), allocation({ unit: "usd", amountMinor: 500n, renewal: "rollover" })],
      }),
      start: "2028-01-31T10:00:00Z",
      end: "2028-07-01T00:00:00Z",
    },
    {
      name: "a yearly anniversary from a leap day (28 February in common years)",
      plan: testPlan({ period: every("year", "anniversary") }),
      start: "2028-02-29T08:00:00Z",
      end: "2033-03-01T00:00:00Z",
    },
    {
      name: "a debt of 250 that the missed days' grants repay, as they would have on time",
      plan: testPlan({ period: every("day", "anniversary", "Asia/Kathmandu") }),
      start: "2027-05-01T06:15:00Z",
      end: "2027-05-09T00:00:00Z",
      spentMinor: 350n,
    },
    {
      name: "a weekly anniversary in Paris across both changes of 2027",
      plan: testPlan({
        period: every("week", "anniversary", "Europe/Paris"),
        allocations: [allocation({ renewal: "rollover", rolloverCapMinor: 250n })],
      }),
      start: "2027-03-03T23:30:00Z",
      end: "2027-11-20T00:00:00Z",
    },
  ];

  for (const outage of outages) {
    test(`an outage ends in the state of renewing at every boundary: ${outage.name}`, () => {
      const continuous = subscribed(outage.plan, outage.start, outage.anchorAt, 1000n);
      const asleep = subscribed(outage.plan, outage.start, outage.anchorAt, 1000n);
      const spentMinor = outage.spentMinor ?? 30n;
      for (const { batch, user } of [continuous, asleep]) {
        // Spent through a hold settled above it when past the balance: how an account ends in debt.
        const hold = expectOk(
          run(batch, {
            kind: "authorize",
            account: { accountId: user.account.accountId },
            amountMinor: 30n,
            idempotencyKey: "hold",
          }),
        );
        expectOk(settle(batch, hold.holdId, spentMinor));
      }
      const endMs = new Date(outage.end).getTime();
      let boundaries = 0;
      for (let next = continuous.user.subscription?.periodEnd; next && next.getTime() <= endMs; boundaries++) {
        at(continuous.batch, continuous.user, next.toISOString());
        next = continuous.user.subscription?.periodEnd;
      }
      at(continuous.batch, continuous.user, outage.end);
      at(asleep.batch, asleep.user, outage.end);

      assert.ok(boundaries >= 5, `the outage crosses ${boundaries} boundaries`);
      if (spentMinor > 100n) {
        assert.equal(continuous.user.balances.get("credits")?.debtMinor, 0n, "the debt is repaid");
        assert.ok(expiredFrom(continuous.batch) > 0n, "and the last days' credits expire");
      }
      assert.deepEqual(periodOf(asleep.user), periodOf(continuous.user));
      assert.deepEqual(lotsOf(asleep.user), lotsOf(continuous.user), "every lot, spent and expired ones included");
      assert.deepEqual(grantKeys(asleep.batch).sort(), grantKeys(continuous.batch).sort(), "each period's key once");
      for (const unit of ["credits", "usd"]) {
        assert.equal(balance(asleep.user, unit), balance(continuous.user, unit), `${unit} balance`);
        for (const system of [SYSTEM_ACCOUNTS.issuance, SYSTEM_ACCOUNTS.expiry]) {
          assert.equal(
            toSystem(asleep.batch, system, unit),
            toSystem(continuous.batch, system, unit),
            `${system} ${unit}`,
          );
        }
      }
      consistent(asleep.batch);
      consistent(continuous.batch);
    });
  }

  test(`one sweep crosses at most ${RENEWAL_PERIODS_MAX} boundaries; the next carries on`, () => {
    const { batch, user } = subscribed(testPlan({ period: every("day") }), "2000-01-01T00:00:00Z");
    batch.now = new Date(new Date("2000-01-01T00:00:00Z").getTime() + (RENEWAL_PERIODS_MAX + 500) * DAY_MS);
    sweep(batch, user);
    const after = new Date(new Date("2000-01-01T00:00:00Z").getTime() + RENEWAL_PERIODS_MAX * DAY_MS);
    assert.equal(user.subscription?.periodStart.getTime(), after.getTime());
    sweep(batch, user);
    assert.equal(user.subscription?.periodEnd.getTime(), batch.now.getTime() + DAY_MS);
    assert.equal(balance(user), 100n, "only the period containing now is left to spend");
    assert.equal(
      toSystem(batch, SYSTEM_ACCOUNTS.expiry, "credits"),
      BigInt(RENEWAL_PERIODS_MAX + 500) * 100n,
      "each day over was granted and expired",
    );
    consistent(batch);
  });
});
