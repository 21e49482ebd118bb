import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AccountState, BatchContext } from "../account-state.ts";
import type { Operation, SubscriptionOutcome } from "../operations.ts";
import { assertAccountConsistent, assertBalancedEntries } from "../testing/invariants.ts";
import { addTestAccount, createTestBatch, expectOk, run, sweep } from "../testing/test-batch.ts";
import { allocation, testPlan } from "../testing/test-plans.ts";
import type { PlanDefinition } from "./plan.ts";
import { isDowngrade } from "./subscription-checks.ts";

let keyCounter = 0;
const key = () => `change-key-${++keyCounter}`;
const basic = testPlan({ id: "basic" });
const pro = testPlan({ id: "pro", allocations: [allocation({ amountMinor: 500n })] });

function world(plan: PlanDefinition) {
  const batch = createTestBatch({ now: new Date("2030-01-10T00:00:00Z") });
  const user = addTestAccount(batch);
  const account = { accountId: user.account.accountId };
  /** The account and a fresh key, for every operation of the test. */
  const who = () => ({ account, idempotencyKey: key() });
  const apply = (op: Operation) => expectOk(run(batch, op)) as SubscriptionOutcome;
  apply({ kind: "subscribe", plan, planVersion: 1, ...who() });
  return { batch, user, apply, who };
}
const balance = (state: AccountState) => state.balances.get("credits")?.balanceMinor ?? 0n;
const consistent = (batch: BatchContext) => {
  assertBalancedEntries(batch);
  for (const state of batch.accounts.values()) assertAccountConsistent(batch, state);
};

describe("changing plans", () => {
  test("upgrade or downgrade: the allocations decide, unit by unit", () => {
    assert.equal(isDowngrade(pro, basic), true);
    assert.equal(isDowngrade(basic, pro), false);
    assert.equal(isDowngrade(basic, basic), false, "no unit falls: not a downgrade");
    const other = testPlan({ id: "usd", allocations: [allocation({ unit: "usd", amountMinor: 1n })] });
    assert.equal(isDowngrade(basic, other), true, "losing a unit lowers it to 0");
    const priced = testPlan({ id: "priced", price: { amountMinor: 1n, currency: "usd" } });
    assert.equal(
      isDowngrade(testPlan({ price: { amountMinor: 9900n, currency: "usd" } }), priced),
      false,
      "the price does not count",
    );
  });

  test("an upgrade after a pending downgrade drops it and grants the difference", () => {
    const { batch, user, apply, who } = world(basic);
    const team = testPlan({ id: "team", allocations: [allocation({ amountMinor: 50n })] });
    assert.equal(
      apply({ kind: "change_plan", plan: team, planVersion: 1, ...who() }).subscription.pendingChange?.planId,
      "team",
    );
    const upgraded = apply({ kind: "change_plan", plan: pro, planVersion: 1, ...who() });
    assert.deepEqual([upgraded.subscription.planId, upgraded.subscription.pendingChange], ["pro", null]);
    assert.equal(upgraded.transactionIds.length, 1);
    assert.equal(balance(user), 500n);
    consistent(batch);
  });

  test("changing back to the current plan takes back a pending change or cancellation", () => {
    const { user, apply, who } = world(pro);
    apply({ kind: "change_plan", plan: basic, planVersion: 1, ...who() });
    const back = apply({ kind: "change_plan", plan: pro, planVersion: 1, ...who() });
    assert.deepEqual(
      [back.subscription.planId, back.subscription.pendingChange, back.transactionIds],
      ["pro", null, []],
    );
    apply({ kind: "cancel_subscription", ...who() });
    assert.equal(user.subscription?.cancelAtPeriodEnd, true);
    apply({ kind: "change_plan", plan: pro, planVersion: 1, ...who() });
    assert.equal(user.subscription?.cancelAtPeriodEnd, false);
  });

  test("a downgrade now switches at once and takes nothing back", () => {
    const { batch, user, apply, who } = world(
      testPlan({ id: "pro", downgrade: "now", allocations: [allocation({ amountMinor: 500n })] }),
    );
    const down = apply({ kind: "change_plan", plan: basic, planVersion: 1, ...who() });
    assert.deepEqual([down.subscription.planId, down.transactionIds], ["basic", []]);
    assert.equal(balance(user), 500n);
    batch.now = new Date("2030-02-01T00:00:00Z");
    sweep(batch, user);
    assert.equal(balance(user), 100n, "basic's allocation from the next period");
    consistent(batch);
  });

  test("a new period rule starts when the current period ends, anchored there", () => {
    const { batch, user, apply, who } = world(basic);
    const weekly = testPlan({ id: "weekly", period: { every: "week", anchor: "anniversary", timeZone: "UTC" } });
    apply({ kind: "change_plan", plan: weekly, planVersion: 1, ...who() });
    assert.equal(user.subscription?.periodEnd.toISOString(), "2030-02-01T00:00:00.000Z", "the month runs out");
    batch.now = new Date("2030-02-01T00:00:00Z");
    sweep(batch, user);
    assert.equal(user.subscription?.periodStart.toISOString(), "2030-02-01T00:00:00.000Z");
    assert.equal(user.subscription?.periodEnd.toISOString(), "2030-02-08T00:00:00.000Z");
    consistent(batch);
  });
});
