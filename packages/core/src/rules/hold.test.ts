import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BatchContext } from "../account-state.ts";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import { assertInvariants } from "../testing/invariants.ts";
import { release, settle, type TestAccount, testAccount } from "../testing/test-account.ts";
import { addTestMember, advance, createTestBatch, expectFailure, expectOk, sweep } from "../testing/test-batch.ts";

/** A user with 100 credits and a hold of 40 on them. */
function heldUser(options: { overdraftLimitMinor?: bigint } = {}) {
  const batch = createTestBatch();
  const user = testAccount(batch, options);
  expectOk(user.grant(100n));
  const hold = expectOk(user.authorize(40n));
  assert.deepEqual(user.balance(), { balanceMinor: 100n, heldMinor: 40n, availableMinor: 60n, debtMinor: 0n });
  return { batch, user, holdId: hold.holdId };
}

function consumed(batch: BatchContext): bigint {
  return batch.writes.entries
    .filter((entry) => entry.accountId === SYSTEM_ACCOUNTS.consumption)
    .reduce((sum, entry) => sum + entry.amountMinor, 0n);
}

function expectBalance(user: TestAccount, balanceMinor: bigint, heldMinor: bigint, debtMinor = 0n) {
  assert.deepEqual(user.balance(), { balanceMinor, heldMinor, availableMinor: balanceMinor - heldMinor, debtMinor });
}

describe("authorize and settle", () => {
  test("settling below the hold captures the cost and releases the rest", () => {
    const { batch, user, holdId } = heldUser();
    const outcome = expectOk(settle(batch, holdId, 15n));
    assert.equal(outcome.amountMinor, 15n);
    assert.equal(outcome.shortfallMinor, 0n);
    assert.equal(outcome.balanceMinor, 85n);
    assert.equal(outcome.availableMinor, 85n);
    expectBalance(user, 85n, 0n);
    assert.equal(consumed(batch), 15n);
    assert.equal(user.state.holds.get(holdId)?.status, "settled");
    assert.equal(user.state.holds.get(holdId)?.capturedMinor, 15n);
    assertInvariants(batch);
  });

  test("a hold can require more to be available than it holds (a floor to start a call)", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    expectOk(user.grant(100n));
    const details = expectFailure(user.authorize(5n, { minimumAvailableMinor: 101n }), "insufficient_credits");
    assert.equal(details.requiredMinor, 101n);
    assert.equal(details.availableMinor, 100n);
    expectBalance(user, 100n, 0n);
    const hold = expectOk(user.authorize(5n, { minimumAvailableMinor: 100n }));
    assert.equal(hold.amountMinor, 5n);
    expectBalance(user, 100n, 5n);
    expectFailure(user.authorize(5n, { minimumAvailableMinor: -1n }), "invalid_amount");
    assertInvariants(batch);
  });

  test("settling exactly the hold captures all of it", () => {
    const { batch, user, holdId } = heldUser();
    expectOk(settle(batch, holdId, 40n));
    expectBalance(user, 60n, 0n);
    assertInvariants(batch);
  });

  test("settling zero releases everything and writes no transaction", () => {
    const { batch, user, holdId } = heldUser();
    const transactions = batch.writes.transactions.length;
    const outcome = expectOk(settle(batch, holdId, 0n));
    assert.equal(outcome.transactionId, "");
    assert.equal(batch.writes.transactions.length, transactions);
    expectBalance(user, 100n, 0n);
    assert.equal(user.state.holds.get(holdId)?.status, "settled");
    assertInvariants(batch);
  });

  test("settling above the hold draws the excess from what is available", () => {
    const { batch, user, holdId } = heldUser();
    expectOk(settle(batch, holdId, 100n));
    expectBalance(user, 0n, 0n);
    assertInvariants(batch);
  });

  test("settling above everything available runs into the overdraft, as debt", () => {
    const { batch, user, holdId } = heldUser({ overdraftLimitMinor: 25n });
    const outcome = expectOk(settle(batch, holdId, 125n));
    assert.equal(outcome.amountMinor, 125n);
    assert.equal(outcome.balanceMinor, -25n);
    assert.equal(outcome.availableMinor, -25n);
    expectBalance(user, -25n, 0n, 25n);
    assert.deepEqual(
      user.lots().map((lot) => lot.remainingMinor),
      [0n],
    );
    assertInvariants(batch);
  });

  test("settling beyond the overdraft fails and changes nothing", () => {
    const { batch, user, holdId } = heldUser({ overdraftLimitMinor: 25n });
    const details = expectFailure(settle(batch, holdId, 126n), "insufficient_credits");
    assert.equal(details.requiredMinor, 126n);
    assert.equal(details.availableMinor, 100n);
    expectBalance(user, 100n, 40n);
    assert.equal(user.state.holds.get(holdId)?.status, "active");
    assertInvariants(batch);
  });

  test("with captureAvailable, a settlement beyond the overdraft captures what it can and reports the shortfall", () => {
    const { batch, user, holdId } = heldUser({ overdraftLimitMinor: 25n });
    const outcome = expectOk(settle(batch, holdId, 200n, { captureAvailable: true }));
    assert.equal(outcome.amountMinor, 125n);
    assert.equal(outcome.shortfallMinor, 75n);
    expectBalance(user, -25n, 0n, 25n);
    assert.equal(consumed(batch), 125n);
    assertInvariants(batch);
  });

  test("with captureAvailable and no overdraft, the capture stops at the balance", () => {
    const { batch, user, holdId } = heldUser();
    expectOk(user.charge(50n));
    const outcome = expectOk(settle(batch, holdId, 80n, { captureAvailable: true }));
    assert.equal(outcome.amountMinor, 50n);
    assert.equal(outcome.shortfallMinor, 30n);
    expectBalance(user, 0n, 0n);
    assertInvariants(batch);
  });

  test("an overdraft already used leaves only the rest of it for the next overrun", () => {
    const batch = createTestBatch();
    const user = testAccount(batch, { overdraftLimitMinor: 30n });
    expectOk(user.grant(10n));
    const first = expectOk(user.authorize(5n)).holdId;
    const second = expectOk(user.authorize(5n)).holdId;
    expectOk(settle(batch, first, 25n));
    expectBalance(user, -15n, 5n, 20n);
    expectFailure(settle(batch, second, 16n), "insufficient_credits");
    expectOk(settle(batch, second, 15n));
    expectBalance(user, -30n, 0n, 30n);
    expectFailure(user.authorize(1n), "insufficient_credits");
    expectOk(user.grant(5n));
    expectBalance(user, -25n, 0n, 25n);
    expectFailure(user.charge(1n), "insufficient_credits");
    assertInvariants(batch);
  });

  test("other holds' reservations are not available to a settlement's excess", () => {
    const { batch, user, holdId } = heldUser();
    expectOk(user.authorize(50n));
    expectFailure(settle(batch, holdId, 51n), "insufficient_credits");
    expectOk(settle(batch, holdId, 50n));
    expectBalance(user, 50n, 50n);
    assertInvariants(batch);
  });

  test("release returns the whole reservation", () => {
    const { batch, user, holdId } = heldUser();
    const outcome = expectOk(release(batch, holdId));
    assert.equal(outcome.status, "released");
    assert.equal(outcome.availableMinor, 100n);
    expectBalance(user, 100n, 0n);
    assert.deepEqual(
      user.lots().map((lot) => lot.heldMinor),
      [0n],
    );
    assertInvariants(batch);
  });

  test("a hold expires by itself at its expiry, and then cannot be settled or released", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    expectOk(user.grant(100n));
    const hold = expectOk(user.authorize(30n, { ttlMs: 60_000 }));
    assert.equal(hold.expiresAt.getTime(), batch.now.getTime() + 60_000);
    advance(batch, 59_999);
    sweep(batch, user.state);
    expectBalance(user, 100n, 30n);
    advance(batch, 1);
    sweep(batch, user.state);
    expectBalance(user, 100n, 0n);
    assert.equal(user.state.holds.get(hold.holdId)?.status, "expired");
    expectFailure(settle(batch, hold.holdId, 10n), "hold_expired");
    expectFailure(release(batch, hold.holdId), "hold_expired");
    assertInvariants(batch);
  });

  test("a hold without ttl lives for the deployment's default", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    expectOk(user.grant(10n));
    const hold = expectOk(user.authorize(10n));
    assert.equal(hold.expiresAt.getTime() - batch.now.getTime(), batch.config.holdTtlMsDefault);
    assertInvariants(batch);
  });

  test("a member's hold counts against its cap until settled, then what it captured does", () => {
    const batch = createTestBatch();
    const org = testAccount(batch, { type: "organization" });
    const member = testAccount(batch, { type: "user", externalId: "m" });
    addTestMember(org.state, member.state, { unit: "credits", capMinor: 50n });
    expectOk(org.grant(100n));
    const hold = expectOk(org.authorize(40n, { member: "m" }));
    expectFailure(org.charge(11n, { member: "m" }), "member_cap_exceeded");
    expectOk(settle(batch, hold.holdId, 30n));
    const limit = org.state.members.get(member.ref.accountId)?.get("credits");
    assert.deepEqual([limit?.spentMinor, limit?.heldMinor], [30n, 0n]);
    expectOk(org.charge(20n, { member: "m" }));
    expectFailure(org.charge(1n, { member: "m" }), "member_cap_exceeded");
    expectOk(org.charge(1n));
    assertInvariants(batch);
  });

  test("a member without a limit in the unit gets one, uncapped, when it first spends", () => {
    const batch = createTestBatch();
    const org = testAccount(batch, { type: "organization" });
    const member = testAccount(batch, { type: "user", externalId: "m" });
    addTestMember(org.state, member.state);
    expectOk(org.grant(100n));
    const hold = expectOk(org.authorize(60n, { member: "m" }));
    const limit = org.state.members.get(member.ref.accountId)?.get("credits");
    assert.deepEqual([limit?.capMinor, limit?.spentMinor, limit?.heldMinor], [null, 0n, 60n]);
    expectOk(release(batch, hold.holdId));
    assert.equal(limit?.heldMinor, 0n);
    assert.equal(batch.writes.members.size, 1);
    assertInvariants(batch);
  });
});
