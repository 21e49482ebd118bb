import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defineLedgerConfig } from "../ledger-config.ts";
import { assertInvariants } from "../testing/invariants.ts";
import { nextKey, settle, testAccount } from "../testing/test-account.ts";
import { createTestBatch, expectFailure, expectOk, run } from "../testing/test-batch.ts";
import { testPlan } from "../testing/test-plans.ts";
import type { OveragePolicy } from "./plan.ts";

const config = defineLedgerConfig({
  units: [
    { unit: "credits", scale: 0 },
    { unit: "usd", scale: 2 },
  ],
});

/** A user subscribed to a plan granting 100 credits with `overage`. */
function onPlan(overage: OveragePolicy, options: { overdraftLimitMinor?: bigint } = {}) {
  const batch = createTestBatch({ config });
  const user = testAccount(batch, options);
  const plan = testPlan({ id: "payg", overage });
  expectOk(run(batch, { kind: "subscribe", account: user.ref, plan, planVersion: 1, idempotencyKey: nextKey() }));
  return { batch, user };
}

describe("overage by plan", () => {
  test("allow: charges take available down to minus the limit, the rest is debt; one unit more is refused", () => {
    const { batch, user } = onPlan({ policy: "allow", unit: "credits", limitMinor: 50n });
    expectOk(user.charge(120n));
    assert.deepEqual(user.balance(), { balanceMinor: -20n, heldMinor: 0n, availableMinor: -20n, debtMinor: 20n });
    const details = expectFailure(user.charge(31n), "insufficient_credits");
    assert.deepEqual([details.requiredMinor, details.availableMinor], [31n, 0n]);
    expectOk(user.charge(30n));
    assert.equal(user.balance().availableMinor, -50n);
    expectFailure(user.charge(1n), "insufficient_credits");
    assertInvariants(batch);
  });

  test("the next grant repays the debt first", () => {
    const { batch, user } = onPlan({ policy: "allow", unit: "credits", limitMinor: 50n });
    expectOk(user.charge(140n));
    expectOk(user.grant(100n));
    assert.deepEqual(user.balance(), { balanceMinor: 60n, heldMinor: 0n, availableMinor: 60n, debtMinor: 0n });
    assertInvariants(batch);
  });

  test("a settlement overruns its hold into the plan's overage", () => {
    const { batch, user } = onPlan({ policy: "allow", unit: "credits", limitMinor: 50n });
    const hold = expectOk(user.authorize(100n));
    expectFailure(settle(batch, hold.holdId, 151n), "insufficient_credits");
    expectOk(settle(batch, hold.holdId, 150n));
    assert.deepEqual(user.balance(), { balanceMinor: -50n, heldMinor: 0n, availableMinor: -50n, debtMinor: 50n });
    assertInvariants(batch);
  });

  test("holds and deductions get no overage: a hold reserves what the lots have", () => {
    const { user } = onPlan({ policy: "allow", unit: "credits", limitMinor: 50n });
    expectFailure(user.authorize(101n), "insufficient_credits");
    expectFailure(user.deduct(101n), "insufficient_credits");
  });

  test("block (the default), another unit, or a canceled plan: no overage", () => {
    const blocked = onPlan({ policy: "block" });
    expectFailure(blocked.user.charge(101n), "insufficient_credits");

    const usd = onPlan({ policy: "allow", unit: "usd", limitMinor: 500n });
    expectFailure(usd.user.charge(101n), "insufficient_credits");
    expectOk(usd.user.charge(500n, { unit: "usd" }));
    assert.equal(usd.user.balance("usd").availableMinor, -500n);

    const canceled = onPlan({ policy: "allow", unit: "credits", limitMinor: 50n });
    const subscription = canceled.user.state.subscription;
    assert.ok(subscription);
    subscription.status = "canceled";
    expectFailure(canceled.user.charge(101n), "insufficient_credits");
    assertInvariants(usd.batch);
  });

  test("a settlement uses the larger of the account's overdraft and the plan's overage, not their sum", () => {
    const { batch, user } = onPlan({ policy: "allow", unit: "credits", limitMinor: 50n }, { overdraftLimitMinor: 80n });
    const hold = expectOk(user.authorize(100n));
    expectFailure(settle(batch, hold.holdId, 181n), "insufficient_credits");
    expectOk(settle(batch, hold.holdId, 180n));
    expectFailure(user.charge(1n), "insufficient_credits");
    assertInvariants(batch);
  });
});
