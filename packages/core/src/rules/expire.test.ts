import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BatchContext } from "../account-state.ts";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import { assertInvariants } from "../testing/invariants.ts";
import { release, settle, testAccount } from "../testing/test-account.ts";
import { advance, createTestBatch, expectOk, sweep } from "../testing/test-batch.ts";

const MINUTE_MS = 60_000;

function expired(batch: BatchContext): bigint {
  return batch.writes.entries
    .filter((entry) => entry.accountId === SYSTEM_ACCOUNTS.expiry)
    .reduce((sum, entry) => sum + entry.amountMinor, 0n);
}

/** A user with a 100-credit lot expiring in 10 minutes and a 50-credit lot that never expires. */
function expiringUser() {
  const batch = createTestBatch();
  const user = testAccount(batch);
  const expiresAt = new Date(batch.now.getTime() + 10 * MINUTE_MS);
  const expiringLot = expectOk(user.grant(100n, { expiresAt })).lotId;
  expectOk(user.grant(50n));
  return { batch, user, expiringLot };
}

describe("expiry", () => {
  test("a lot's remainder moves to the expiry account at its expiry, not before", () => {
    const { batch, user } = expiringUser();
    expectOk(user.charge(30n));
    advance(batch, 10 * MINUTE_MS - 1);
    sweep(batch, user.state);
    assert.equal(user.balance().balanceMinor, 120n);
    advance(batch, 1);
    sweep(batch, user.state);
    assert.equal(user.balance().balanceMinor, 50n);
    assert.equal(expired(batch), 70n);
    const expiry = batch.writes.transactions.filter((transaction) => transaction.kind === "expiry");
    assert.deepEqual(
      expiry.map((transaction) => transaction.amountMinor),
      [70n],
    );
    sweep(batch, user.state);
    assert.equal(expired(batch), 70n, "a second sweep finds nothing to do");
    assertInvariants(batch);
  });

  test("operations sweep first: a charge never draws from a lot past its expiry", () => {
    const { batch, user } = expiringUser();
    advance(batch, 10 * MINUTE_MS);
    const outcome = expectOk(user.charge(20n));
    assert.equal(outcome.balanceMinor, 30n);
    assert.equal(expired(batch), 100n);
    assertInvariants(batch);
  });

  test("a lot that expires while partly held keeps the held part until the hold ends", () => {
    const { batch, user, expiringLot } = expiringUser();
    const hold = expectOk(user.authorize(40n, { ttlMs: 60 * MINUTE_MS }));
    advance(batch, 10 * MINUTE_MS);
    sweep(batch, user.state);
    assert.equal(expired(batch), 60n);
    assert.deepEqual(user.balance(), { balanceMinor: 90n, heldMinor: 40n, availableMinor: 50n, debtMinor: 0n });
    const lot = user.state.lots.get(expiringLot);
    assert.deepEqual([lot?.remainingMinor, lot?.heldMinor], [40n, 40n]);

    // Settling below the hold captures from the expired lot; the released rest expires at once.
    expectOk(settle(batch, hold.holdId, 25n));
    assert.equal(expired(batch), 75n);
    assert.deepEqual(user.balance(), { balanceMinor: 50n, heldMinor: 0n, availableMinor: 50n, debtMinor: 0n });
    assert.equal(user.state.lots.get(expiringLot)?.remainingMinor, 0n);
    assertInvariants(batch);
  });

  test("releasing a hold on an expired lot expires what it held", () => {
    const { batch, user } = expiringUser();
    const hold = expectOk(user.authorize(100n, { ttlMs: 60 * MINUTE_MS }));
    advance(batch, 20 * MINUTE_MS);
    const outcome = expectOk(release(batch, hold.holdId));
    assert.equal(outcome.balanceMinor, 50n);
    assert.equal(outcome.availableMinor, 50n);
    assert.equal(expired(batch), 100n);
    assertInvariants(batch);
  });

  test("a hold that outlives its lot's expiry and then expires itself returns nothing", () => {
    const { batch, user } = expiringUser();
    expectOk(user.authorize(110n, { ttlMs: 30 * MINUTE_MS }));
    advance(batch, 15 * MINUTE_MS);
    sweep(batch, user.state);
    assert.deepEqual(user.balance(), { balanceMinor: 150n, heldMinor: 110n, availableMinor: 40n, debtMinor: 0n });
    advance(batch, 15 * MINUTE_MS);
    sweep(batch, user.state);
    assert.deepEqual(user.balance(), { balanceMinor: 50n, heldMinor: 0n, availableMinor: 50n, debtMinor: 0n });
    assert.equal(expired(batch), 100n);
    assertInvariants(batch);
  });

  test("settling above a hold on an expired lot draws the excess from live lots only", () => {
    const { batch, user, expiringLot } = expiringUser();
    const hold = expectOk(user.authorize(30n, { ttlMs: 60 * MINUTE_MS }));
    advance(batch, 10 * MINUTE_MS);
    expectOk(settle(batch, hold.holdId, 45n));
    assert.equal(user.state.lots.get(expiringLot)?.remainingMinor, 0n);
    assert.deepEqual(user.balance(), { balanceMinor: 35n, heldMinor: 0n, availableMinor: 35n, debtMinor: 0n });
    assert.equal(expired(batch), 70n);
    assertInvariants(batch);
  });

  test("expiry leaves debt alone", () => {
    const batch = createTestBatch();
    const user = testAccount(batch, { overdraftLimitMinor: 10n });
    expectOk(user.grant(5n));
    const hold = expectOk(user.authorize(5n));
    expectOk(settle(batch, hold.holdId, 12n));
    expectOk(user.grant(20n, { expiresAt: new Date(batch.now.getTime() + MINUTE_MS) }));
    assert.deepEqual(user.balance(), { balanceMinor: 13n, heldMinor: 0n, availableMinor: 13n, debtMinor: 0n });
    advance(batch, MINUTE_MS);
    sweep(batch, user.state);
    assert.deepEqual(user.balance(), { balanceMinor: 0n, heldMinor: 0n, availableMinor: 0n, debtMinor: 0n });
    assert.equal(expired(batch), 13n);
    assertInvariants(batch);
  });
});
