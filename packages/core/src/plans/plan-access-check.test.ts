import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { assertInvariants } from "../testing/invariants.ts";
import { nextKey, settle, testAccount } from "../testing/test-account.ts";
import { createTestBatch, expectFailure, expectOk, run } from "../testing/test-batch.ts";
import { allocation, testPlan } from "../testing/test-plans.ts";

const free = testPlan({
  id: "free",
  models: { allow: ["openai/gpt-4o-mini"], deny: [] },
  features: { allow: ["summarize"], deny: [] },
});
/** More allocation than `free` (a change to it is an upgrade); a change away from it applies now. */
const pro = testPlan({
  id: "pro",
  allocations: [allocation({ amountMinor: 500n })],
  models: { allow: ["openai/*"], deny: ["openai/o1*"] },
  downgrade: "now",
});

function subscribed(plan = free) {
  const batch = createTestBatch();
  batch.catalog = { plans: [free, pro], packs: [], defaultPlans: {} };
  const user = testAccount(batch);
  expectOk(run(batch, { kind: "subscribe", account: user.ref, plan, planVersion: 1, idempotencyKey: nextKey() }));
  return { batch, user };
}

describe("a plan's access rule on spends", () => {
  test("allowed models and features spend from the allocation; others are refused and name who allows them", () => {
    const { batch, user } = subscribed();
    expectOk(user.charge(10n, { model: "openai/gpt-4o-mini", feature: "summarize" }));
    const model = expectFailure(user.charge(10n, { model: "openai/gpt-4o" }), "model_not_in_plan");
    assert.deepEqual(model, {
      model: "openai/gpt-4o",
      plan: "free",
      plans: ["pro"],
      message: 'the plan "free" does not include the model "openai/gpt-4o"',
    });
    const feature = expectFailure(user.authorize(10n, { feature: "translate" }), "feature_not_in_plan");
    assert.deepEqual([feature.plan, feature.plans], ["free", ["pro"]]);
    assert.equal(user.balance().balanceMinor, 90n, "only the allowed charge was drawn");
    assertInvariants(batch);
  });

  test("a spend naming neither model nor feature is not restricted (an admin's charge)", () => {
    const { user } = subscribed();
    expectOk(user.charge(5n));
    expectOk(user.deduct(5n, "correction"));
  });

  test("a canceled subscription, or none, restricts nothing; past due still does", () => {
    const none = testAccount(createTestBatch());
    none.grant(10n);
    expectOk(none.charge(1n, { model: "anthropic/claude-opus-4" }));

    const { user, batch } = subscribed();
    const subscription = user.state.subscription;
    assert.ok(subscription);
    subscription.status = "past_due";
    expectFailure(user.charge(1n, { model: "anthropic/claude-opus-4" }), "model_not_in_plan");
    subscription.status = "canceled";
    expectOk(user.charge(1n, { model: "anthropic/claude-opus-4" }));
    assertInvariants(batch);
  });

  test("the plan in force when the spend runs decides: an upgrade in the same batch lets the next charge through", () => {
    const { batch, user } = subscribed();
    expectFailure(user.charge(1n, { model: "openai/gpt-4o" }), "model_not_in_plan");
    expectOk(
      run(batch, { kind: "change_plan", account: user.ref, plan: pro, planVersion: 1, idempotencyKey: nextKey() }),
    );
    expectOk(user.charge(1n, { model: "openai/gpt-4o" }));
    expectFailure(user.charge(1n, { model: "openai/o1-mini" }), "model_not_in_plan");
  });

  test("a settlement is not asked again: the held call has happened", () => {
    const { batch, user } = subscribed(pro);
    user.grant(50n);
    const hold = expectOk(user.authorize(20n, { model: "openai/gpt-4o" }));
    expectOk(
      run(batch, { kind: "change_plan", account: user.ref, plan: free, planVersion: 1, idempotencyKey: nextKey() }),
    );
    assert.equal(user.state.subscription?.planId, "free");
    expectOk(settle(batch, hold.holdId, 15n));
    assertInvariants(batch);
  });

  test("without the deployment's catalog the refusal names no plans", () => {
    const { batch, user } = subscribed();
    delete batch.catalog;
    const details = expectFailure(user.charge(1n, { feature: "translate" }), "feature_not_in_plan");
    assert.equal(details.plans, undefined);
  });
});
