import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AccountState, BatchContext } from "../account-state.ts";
import { defineLedgerConfig } from "../ledger-config.ts";
import { assertAccountConsistent, assertBalancedEntries } from "../testing/invariants.ts";
import { addTestAccount, createTestBatch, expectOk, run, sweep } from "../testing/test-batch.ts";
import { testPlan } from "../testing/test-plans.ts";
import type { SubscriptionStatus } from "./subscription.ts";

const config = defineLedgerConfig({ units: [{ unit: "credits", scale: 0 }] });
let keyCounter = 0;
const key = () => `status-key-${++keyCounter}`;

function subscribed(now = "2027-01-15T00:00:00Z") {
  const batch = createTestBatch({ config, now: new Date(now) });
  const user = addTestAccount(batch, { type: "user" });
  expectOk(
    run(batch, {
      kind: "subscribe",
      account: { accountId: user.account.accountId },
      plan: testPlan(),
      planVersion: 1,
      idempotencyKey: key(),
    }),
  );
  return { batch, user };
}

const setStatus = (batch: BatchContext, user: AccountState, status: SubscriptionStatus) =>
  run(batch, {
    kind: "set_subscription_status",
    account: { accountId: user.account.accountId },
    status,
    idempotencyKey: key(),
  });
const balance = (state: AccountState) => state.balances.get("credits")?.balanceMinor ?? 0n;
const planGrants = (batch: BatchContext) =>
  batch.writes.transactions.filter((t) => t.idempotencyKey?.startsWith("tollgate:plan:")).length;

describe("set_subscription_status: one row per transition", () => {
  const rows: { from: SubscriptionStatus; to: SubscriptionStatus; result: SubscriptionStatus | "refused" }[] = [
    { from: "active", to: "past_due", result: "past_due" },
    { from: "active", to: "active", result: "active" },
    { from: "active", to: "canceled", result: "canceled" },
    { from: "past_due", to: "active", result: "active" },
    { from: "past_due", to: "past_due", result: "past_due" },
    { from: "past_due", to: "canceled", result: "canceled" },
    { from: "canceled", to: "canceled", result: "canceled" },
    { from: "canceled", to: "active", result: "refused" },
    { from: "canceled", to: "past_due", result: "refused" },
  ];
  for (const row of rows) {
    test(`${row.from} → ${row.to}: ${row.result}`, () => {
      const { batch, user } = subscribed();
      if (row.from !== "active") expectOk(setStatus(batch, user, row.from));
      const version = user.subscription?.version;
      const result = setStatus(batch, user, row.to);
      if (row.result === "refused") {
        assert.equal(result.ok, false);
        assert.equal(!result.ok && result.code, "invalid_status_transition");
        assert.equal(user.subscription?.status, row.from);
        assert.equal(user.subscription?.version, version, "a refusal changes nothing");
        return;
      }
      assert.equal(expectOk(result).subscription.status, row.result);
      if (row.from === row.to) assert.equal(user.subscription?.version, version, "the same status changes nothing");
      assert.equal(balance(user), 100n, "nothing granted is taken back");
    });
  }

  test("an account without a subscription is subscription_not_found", () => {
    const batch = createTestBatch({ config, now: new Date("2027-01-15T00:00:00Z") });
    const user = addTestAccount(batch, { type: "user" });
    const result = setStatus(batch, user, "past_due");
    assert.equal(!result.ok && result.code, "subscription_not_found");
  });

  test("a status that does not exist is invalid_status_transition", () => {
    const { batch, user } = subscribed();
    const result = setStatus(batch, user, "paused" as SubscriptionStatus);
    assert.equal(!result.ok && result.code, "invalid_status_transition");
  });
});

describe("past_due and renewal", () => {
  test("past_due keeps its credits and is not renewed; active again grants the current period once", () => {
    const { batch, user } = subscribed("2027-01-15T00:00:00Z");
    expectOk(setStatus(batch, user, "past_due"));
    batch.now = new Date("2027-02-10T00:00:00Z");
    sweep(batch, user);
    assert.equal(user.subscription?.periodEnd.toISOString(), "2027-02-01T00:00:00.000Z", "not renewed");
    assert.equal(balance(user), 0n, "January's reset lot expired at its end; February not granted");
    assert.equal(planGrants(batch), 1);

    expectOk(setStatus(batch, user, "active"));
    assert.equal(user.subscription?.periodStart.toISOString(), "2027-02-01T00:00:00.000Z");
    assert.equal(balance(user), 100n, "February granted when paid");
    assert.equal(planGrants(batch), 2);

    expectOk(setStatus(batch, user, "past_due"));
    expectOk(setStatus(batch, user, "active"));
    sweep(batch, user);
    assert.equal(planGrants(batch), 2, "February is granted once, however often the status flips");
    assert.equal(balance(user), 100n);
    assertBalancedEntries(batch);
    assertAccountConsistent(batch, user);
  });

  test("canceled from billing ends the subscription now and drops a pending change", () => {
    const { batch, user } = subscribed();
    expectOk(
      run(batch, {
        kind: "change_plan",
        account: { accountId: user.account.accountId },
        plan: testPlan({ id: "tiny", allocations: [] }),
        planVersion: 1,
        idempotencyKey: key(),
      }),
    );
    assert.ok(user.subscription?.pendingChange);
    const outcome = expectOk(setStatus(batch, user, "canceled"));
    assert.equal(outcome.subscription.canceledAt?.toISOString(), "2027-01-15T00:00:00.000Z");
    assert.equal(outcome.subscription.pendingChange, null);
    batch.now = new Date("2027-03-01T00:00:00Z");
    sweep(batch, user);
    assert.equal(planGrants(batch), 1, "a canceled subscription is never renewed");
  });
});
