import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import { defineLedgerConfig, PAID_FIRST } from "../ledger-config.ts";
import { assertInvariants } from "../testing/invariants.ts";
import { settle, testAccount } from "../testing/test-account.ts";
import { createTestBatch, expectFailure, expectOk } from "../testing/test-batch.ts";

/** A user 30 credits in debt: a 10-credit hold settled at 40 with an overdraft of 50. */
function indebtedUser() {
  const batch = createTestBatch();
  const user = testAccount(batch, { overdraftLimitMinor: 50n });
  expectOk(user.grant(10n));
  const hold = expectOk(user.authorize(10n));
  expectOk(settle(batch, hold.holdId, 40n));
  assert.deepEqual(user.balance(), { balanceMinor: -30n, heldMinor: 0n, availableMinor: -30n, debtMinor: 30n });
  return { batch, user };
}

describe("grants", () => {
  test("a grant adds a lot and balances against the issuance account", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    const outcome = expectOk(user.grant(70n, { source: "purchase" }));
    assert.equal(outcome.amountMinor, 70n);
    assert.equal(outcome.balanceMinor, 70n);
    const lot = user.state.lots.get(outcome.lotId);
    assert.deepEqual([lot?.grantedMinor, lot?.remainingMinor, lot?.priority], [70n, 70n, 100]);
    const entries = batch.writes.entries.filter((entry) => entry.transactionId === outcome.transactionId);
    assert.deepEqual(
      entries.map((entry) => [entry.accountId, entry.amountMinor, entry.lotId]),
      [
        [user.ref.accountId, 70n, outcome.lotId],
        [SYSTEM_ACCOUNTS.issuance, -70n, null],
      ],
    );
    assertInvariants(batch);
  });

  test("a grant takes its source's priority unless it names one", () => {
    const batch = createTestBatch({ config: defineLedgerConfig({ sourcePriorities: PAID_FIRST }) });
    const user = testAccount(batch);
    const pack = expectOk(user.grant(1n, { source: "pack" })).lotId;
    const named = expectOk(user.grant(1n, { source: "pack", priority: -5 })).lotId;
    assert.equal(user.state.lots.get(pack)?.priority, PAID_FIRST.pack);
    assert.equal(user.state.lots.get(named)?.priority, -5);
    assertInvariants(batch);
  });

  test("an admin grant with a reason records it", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    const outcome = expectOk(user.grant(5n, { source: "admin", reason: "goodwill" }));
    assert.equal(batch.writes.transactions.find((t) => t.transactionId === outcome.transactionId)?.reason, "goodwill");
    assertInvariants(batch);
  });

  test("a guest may receive free sources", () => {
    const batch = createTestBatch();
    const guest = testAccount(batch, { type: "guest" });
    for (const source of ["signup", "promo", "admin", "refund"] as const) {
      expectOk(guest.grant(1n, { source, reason: "allowance" }));
    }
    for (const source of ["pack", "purchase", "plan"] as const) {
      expectFailure(guest.grant(1n, { source }), "guest_cannot_purchase");
    }
    assertInvariants(batch);
  });

  test("a grant smaller than the debt repays part of it; the balance still rises by the grant", () => {
    const { batch, user } = indebtedUser();
    const outcome = expectOk(user.grant(20n));
    assert.equal(outcome.balanceMinor, -10n);
    assert.deepEqual(user.balance(), { balanceMinor: -10n, heldMinor: 0n, availableMinor: -10n, debtMinor: 10n });
    assert.equal(user.state.lots.get(outcome.lotId)?.remainingMinor, 0n);
    assertInvariants(batch);
  });

  test("a grant larger than the debt repays all of it and keeps the rest", () => {
    const { batch, user } = indebtedUser();
    const outcome = expectOk(user.grant(100n));
    assert.deepEqual(user.balance(), { balanceMinor: 70n, heldMinor: 0n, availableMinor: 70n, debtMinor: 0n });
    const lot = user.state.lots.get(outcome.lotId);
    assert.deepEqual([lot?.grantedMinor, lot?.remainingMinor], [100n, 70n]);
    const entries = batch.writes.entries.filter((entry) => entry.transactionId === outcome.transactionId);
    assert.deepEqual(
      entries.map((entry) => [entry.accountId, entry.amountMinor, entry.lotId]),
      [
        [user.ref.accountId, 100n, outcome.lotId],
        [SYSTEM_ACCOUNTS.issuance, -100n, null],
        [user.ref.accountId, -30n, outcome.lotId],
        [user.ref.accountId, 30n, null],
      ],
    );
    assertInvariants(batch);
  });

  test("debt in one unit is repaid only by grants in that unit", () => {
    const batch = createTestBatch({
      config: defineLedgerConfig({
        units: [
          { unit: "credits", scale: 0 },
          { unit: "usd", scale: 2 },
        ],
      }),
    });
    const user = testAccount(batch, { overdraftLimitMinor: 50n });
    expectOk(user.grant(10n));
    expectOk(settle(batch, expectOk(user.authorize(10n)).holdId, 20n));
    expectOk(user.grant(500n, { unit: "usd" }));
    assert.equal(user.balance("credits").debtMinor, 10n);
    assert.deepEqual(user.balance("usd"), { balanceMinor: 500n, heldMinor: 0n, availableMinor: 500n, debtMinor: 0n });
    expectOk(user.grant(15n));
    assert.deepEqual(user.balance("credits"), { balanceMinor: 5n, heldMinor: 0n, availableMinor: 5n, debtMinor: 0n });
    assertInvariants(batch);
  });
});
