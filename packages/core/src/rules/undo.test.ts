import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BatchContext } from "../account-state.ts";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import { assertInvariants } from "../testing/invariants.ts";
import { refund, reverse, settle, testAccount } from "../testing/test-account.ts";
import { addTestMember, advance, createTestBatch, expectFailure, expectOk, sweep } from "../testing/test-batch.ts";

const HOUR_MS = 3_600_000;

function systemTotal(batch: BatchContext, accountId: string): bigint {
  return batch.writes.entries
    .filter((entry) => entry.accountId === accountId)
    .reduce((sum, entry) => sum + entry.amountMinor, 0n);
}

/** Lots A (30, spent first) and B (30); a charge of 45 took all of A and 15 of B. */
function chargedUser() {
  const batch = createTestBatch();
  const user = testAccount(batch);
  const a = expectOk(user.grant(30n, { priority: 1 })).lotId;
  const b = expectOk(user.grant(30n, { priority: 2 })).lotId;
  const charge = expectOk(user.charge(45n)).transactionId;
  const remaining = () => [user.state.lots.get(a)?.remainingMinor, user.state.lots.get(b)?.remainingMinor];
  assert.deepEqual(remaining(), [0n, 15n]);
  return { batch, user, charge, remaining };
}

/**
 * A 10-credit lot A (expiring in an hour) was held and settled at 30: A was emptied and 20
 * went into debt. A second grant then repaid the debt.
 */
function repaidOverrun() {
  const batch = createTestBatch();
  const user = testAccount(batch, { overdraftLimitMinor: 50n });
  const a = expectOk(user.grant(10n, { expiresAt: new Date(batch.now.getTime() + HOUR_MS) })).lotId;
  const settlement = expectOk(settle(batch, expectOk(user.authorize(10n)).holdId, 30n)).transactionId;
  expectOk(user.grant(20n));
  assert.deepEqual(user.balance(), { balanceMinor: 0n, heldMinor: 0n, availableMinor: 0n, debtMinor: 0n });
  return { batch, user, a, settlement };
}

describe("refunds", () => {
  test("a partial refund returns to the latest-drawn lot first", () => {
    const { batch, charge, remaining } = chargedUser();
    const first = expectOk(refund(batch, charge, 10n));
    assert.deepEqual([first.amountMinor, first.balanceMinor], [10n, 25n]);
    assert.deepEqual(remaining(), [0n, 25n]);
    expectOk(refund(batch, charge, 10n));
    assert.deepEqual(remaining(), [5n, 30n]);
    assert.equal(systemTotal(batch, SYSTEM_ACCOUNTS.consumption), 25n);
    assertInvariants(batch);
  });

  test("a refund without an amount returns what is left, once", () => {
    const { batch, user, charge, remaining } = chargedUser();
    expectOk(refund(batch, charge, 5n));
    const rest = expectOk(refund(batch, charge));
    assert.equal(rest.amountMinor, 40n);
    assert.deepEqual(remaining(), [30n, 30n]);
    assert.equal(user.balance().balanceMinor, 60n);
    expectFailure(refund(batch, charge), "refund_exceeds_charge");
    expectFailure(refund(batch, charge, 1n), "refund_exceeds_charge");
    assert.equal(systemTotal(batch, SYSTEM_ACCOUNTS.consumption), 0n);
    assertInvariants(batch);
  });

  test("a refund above what is left fails and changes nothing", () => {
    const { batch, charge, remaining } = chargedUser();
    expectOk(refund(batch, charge, 40n));
    const details = expectFailure(refund(batch, charge, 6n), "refund_exceeds_charge");
    assert.deepEqual([details.requiredMinor, details.availableMinor], [6n, 5n]);
    assert.deepEqual(remaining(), [25n, 30n]);
    assertInvariants(batch);
  });

  test("a refund to a lot that has expired meanwhile expires at once", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    expectOk(user.grant(50n, { expiresAt: new Date(batch.now.getTime() + HOUR_MS) }));
    expectOk(user.grant(50n));
    const charge = expectOk(user.charge(30n)).transactionId;
    advance(batch, HOUR_MS);
    const outcome = expectOk(refund(batch, charge, 30n));
    assert.equal(outcome.balanceMinor, 50n);
    assert.equal(systemTotal(batch, SYSTEM_ACCOUNTS.expiry), 50n);
    assertInvariants(batch);
  });

  test("a refund of a settlement that ran into the overdraft forgives the debt first", () => {
    const batch = createTestBatch();
    const user = testAccount(batch, { overdraftLimitMinor: 50n });
    expectOk(user.grant(10n));
    const settlement = expectOk(settle(batch, expectOk(user.authorize(10n)).holdId, 30n)).transactionId;
    assert.equal(user.balance().debtMinor, 20n);
    expectOk(refund(batch, settlement, 15n));
    assert.deepEqual(user.balance(), { balanceMinor: -5n, heldMinor: 0n, availableMinor: -5n, debtMinor: 5n });
    expectOk(refund(batch, settlement, 10n));
    assert.deepEqual(user.balance(), { balanceMinor: 5n, heldMinor: 0n, availableMinor: 5n, debtMinor: 0n });
    assertInvariants(batch);
  });

  test("a refund of debt that was since repaid comes back as a refund lot", () => {
    const { batch, user } = repaidOverrun();
    const settlement = batch.writes.transactions.find((t) => t.kind === "settle")?.transactionId ?? "";
    expectOk(refund(batch, settlement, 20n));
    assert.deepEqual(user.balance(), { balanceMinor: 20n, heldMinor: 0n, availableMinor: 20n, debtMinor: 0n });
    const refundLot = [...user.state.lots.values()].find((lot) => lot.source === "refund");
    assert.deepEqual([refundLot?.remainingMinor, refundLot?.expiresAt], [20n, null]);
    assertInvariants(batch);
  });

  test("after the repaid debt came back, the next refund returns to the lot drawn before it", () => {
    const { batch, user, a, settlement } = repaidOverrun();
    expectOk(refund(batch, settlement, 20n));
    expectOk(refund(batch, settlement, 10n));
    assert.equal(user.state.lots.get(a)?.remainingMinor, 10n, "the rest returns to lot A, where it was drawn");
    advance(batch, HOUR_MS);
    sweep(batch, user.state);
    assert.equal(user.balance().balanceMinor, 20n, "lot A's 10 expire with it");
    assertInvariants(batch);
  });

  test("a reversal after the repaid debt came back returns the rest to the lot drawn before it", () => {
    const { batch, user, a, settlement } = repaidOverrun();
    expectOk(refund(batch, settlement, 25n));
    const outcome = expectOk(reverse(batch, settlement));
    assert.equal(outcome.amountMinor, 5n);
    assert.equal(user.state.lots.get(a)?.remainingMinor, 10n);
    assertInvariants(batch);
  });

  test("refunding a member's charge gives back room under its cap", () => {
    const batch = createTestBatch();
    const org = testAccount(batch, { type: "organization" });
    const member = testAccount(batch, { type: "user", externalId: "m" });
    addTestMember(org.state, member.state, { unit: "credits", capMinor: 10n });
    expectOk(org.grant(100n));
    const charge = expectOk(org.charge(10n, { member: "m" })).transactionId;
    expectFailure(org.charge(1n, { member: "m" }), "member_cap_exceeded");
    expectOk(refund(batch, charge, 4n));
    expectOk(org.charge(4n, { member: "m" }));
    assertInvariants(batch);
  });
});

describe("reversals", () => {
  test("reversing a charge after a partial refund returns the rest, and only once", () => {
    const { batch, user, charge, remaining } = chargedUser();
    expectOk(refund(batch, charge, 10n));
    const outcome = expectOk(reverse(batch, charge));
    assert.equal(outcome.amountMinor, 35n);
    assert.deepEqual(remaining(), [30n, 30n]);
    expectFailure(reverse(batch, charge), "transaction_already_reversed");
    expectFailure(refund(batch, charge, 1n), "transaction_already_reversed");
    assert.equal(user.balance().balanceMinor, 60n);
    assertInvariants(batch);
  });

  test("reversing a deduction returns it from the adjustment account", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    expectOk(user.grant(50n));
    const deduction = expectOk(user.deduct(20n, "suspected fraud")).transactionId;
    expectOk(reverse(batch, deduction, "cleared"));
    assert.equal(user.balance().balanceMinor, 50n);
    assert.equal(systemTotal(batch, SYSTEM_ACCOUNTS.adjustment), 0n);
    assertInvariants(batch);
  });

  test("reversing a settlement returns its capture", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    expectOk(user.grant(50n));
    const settlement = expectOk(settle(batch, expectOk(user.authorize(20n)).holdId, 15n)).transactionId;
    expectOk(reverse(batch, settlement));
    assert.deepEqual(user.balance(), { balanceMinor: 50n, heldMinor: 0n, availableMinor: 50n, debtMinor: 0n });
    assertInvariants(batch);
  });

  test("reversing an unspent grant takes its lot back to the issuance account", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    const grant = expectOk(user.grant(40n));
    expectOk(user.grant(10n));
    const outcome = expectOk(reverse(batch, grant.transactionId, "granted by mistake"));
    assert.deepEqual([outcome.amountMinor, outcome.balanceMinor], [40n, 10n]);
    assert.equal(user.state.lots.get(grant.lotId)?.remainingMinor, 0n);
    assert.equal(systemTotal(batch, SYSTEM_ACCOUNTS.issuance), -10n);
    expectFailure(reverse(batch, grant.transactionId), "transaction_already_reversed");
    assertInvariants(batch);
  });

  test("a grant cannot be reversed while part of it is spent or held", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    const grant = expectOk(user.grant(40n, { priority: 1 }));
    expectOk(user.grant(100n, { priority: 2 }));
    const charge = expectOk(user.charge(5n)).transactionId;
    const spent = expectFailure(reverse(batch, grant.transactionId), "insufficient_credits");
    assert.deepEqual([spent.requiredMinor, spent.availableMinor], [40n, 35n]);
    expectOk(refund(batch, charge));
    const hold = expectOk(user.authorize(1n)).holdId;
    expectFailure(reverse(batch, grant.transactionId), "insufficient_credits");
    expectOk(settle(batch, hold, 0n));
    expectOk(reverse(batch, grant.transactionId));
    assert.equal(user.balance().balanceMinor, 100n);
    assertInvariants(batch);
  });

  test("a grant whose lot partly expired cannot be reversed", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    const grant = expectOk(user.grant(40n, { expiresAt: new Date(batch.now.getTime() + HOUR_MS) }));
    advance(batch, HOUR_MS);
    expectFailure(reverse(batch, grant.transactionId), "insufficient_credits");
    assertInvariants(batch);
  });

  test("reversing a grant that repaid debt puts the debt back, within what is available", () => {
    const batch = createTestBatch();
    const user = testAccount(batch, { overdraftLimitMinor: 50n });
    expectOk(user.grant(10n));
    expectOk(settle(batch, expectOk(user.authorize(10n)).holdId, 40n));
    const repaying = expectOk(user.grant(100n)).transactionId;
    assert.deepEqual(user.balance(), { balanceMinor: 70n, heldMinor: 0n, availableMinor: 70n, debtMinor: 0n });
    const blocked = expectFailure(reverse(batch, repaying), "insufficient_credits");
    assert.deepEqual([blocked.requiredMinor, blocked.availableMinor], [100n, 70n]);
    expectOk(user.grant(50n));
    expectOk(reverse(batch, repaying));
    assert.deepEqual(user.balance(), { balanceMinor: 20n, heldMinor: 0n, availableMinor: 20n, debtMinor: 30n });
    assertInvariants(batch);
  });
});
