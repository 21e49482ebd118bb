import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AccountState, BatchContext } from "../account-state.ts";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import { defineLedgerConfig } from "../ledger-config.ts";
import { assertAccountConsistent, assertBalancedEntries } from "../testing/invariants.ts";
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

function subscribed(plan: PlanDefinition, now: string, anchorAt?: string) {
  const batch = createTestBatch({ config, now: new Date(now) });
  const user = addTestAccount(batch, { type: "user" });
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

  test("a 90-day outage ends in the state of renewing every day", () => {
    const plan = testPlan({
      period: every("day", "calendar", "America/New_York"),
      allocations: [
        allocation({}),
        allocation({ unit: "usd", amountMinor: 10n, renewal: "rollover", rolloverCapMinor: 35n }),
      ],
    });
    const start = "2027-01-10T15:00:00Z";
    const end = new Date(new Date(start).getTime() + 90 * DAY_MS).toISOString();
    const continuous = subscribed(plan, start);
    for (let day = 1; day <= 90; day++) {
      at(continuous.batch, continuous.user, new Date(new Date(start).getTime() + day * DAY_MS).toISOString());
    }
    const outage = subscribed(plan, start);
    at(outage.batch, outage.user, end);

    for (const unit of ["credits", "usd"]) assert.equal(balance(outage.user, unit), balance(continuous.user, unit));
    assert.deepEqual(liveLots(outage.user), liveLots(continuous.user));
    assert.deepEqual(
      { start: outage.user.subscription?.periodStart, end: outage.user.subscription?.periodEnd },
      { start: continuous.user.subscription?.periodStart, end: continuous.user.subscription?.periodEnd },
    );
    // Rollover credits over the cap expire at every boundary either way.
    assert.equal(
      toSystem(outage.batch, SYSTEM_ACCOUNTS.expiry, "usd"),
      toSystem(continuous.batch, SYSTEM_ACCOUNTS.expiry, "usd"),
    );
    // Reset lots of days already over are not issued after an outage (they would expire at once),
    // so issuance and expiry each differ by them, and what was issued and not expired is equal.
    for (const unit of ["credits", "usd"]) {
      const net = (batch: BatchContext) =>
        -toSystem(batch, SYSTEM_ACCOUNTS.issuance, unit) - toSystem(batch, SYSTEM_ACCOUNTS.expiry, unit);
      assert.equal(net(outage.batch), net(continuous.batch), unit);
    }
    consistent(outage.batch);
    consistent(continuous.batch);
  });

  test(`one sweep crosses at most ${RENEWAL_PERIODS_MAX} boundaries; the next carries on`, () => {
    const { batch, user } = subscribed(testPlan({ period: every("day") }), "2000-01-01T00:00:00Z");
    batch.now = new Date(new Date("2000-01-01T00:00:00Z").getTime() + (RENEWAL_PERIODS_MAX + 500) * DAY_MS);
    sweep(batch, user);
    const after = new Date(new Date("2000-01-01T00:00:00Z").getTime() + RENEWAL_PERIODS_MAX * DAY_MS);
    assert.equal(user.subscription?.periodStart.getTime(), after.getTime());
    sweep(batch, user);
    assert.equal(user.subscription?.periodEnd.getTime(), batch.now.getTime() + DAY_MS);
    assert.equal(balance(user), 100n, "only the period containing now is granted");
    consistent(batch);
  });
});
