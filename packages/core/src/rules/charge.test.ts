import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import { defineLedgerConfig } from "../ledger-config.ts";
import { assertInvariants } from "../testing/invariants.ts";
import { testAccount } from "../testing/test-account.ts";
import { addTestMember, createTestBatch, expectFailure, expectOk } from "../testing/test-batch.ts";

describe("charges and deductions", () => {
  test("a charge draws across lots and balances against the consumption account", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    const first = expectOk(user.grant(30n, { priority: 1 })).lotId;
    const second = expectOk(user.grant(30n, { priority: 2 })).lotId;
    const outcome = expectOk(user.charge(45n, { reason: "gpt call" }));
    assert.deepEqual(
      [outcome.amountMinor, outcome.balanceMinor, outcome.heldMinor, outcome.availableMinor],
      [45n, 15n, 0n, 15n],
    );
    const entries = batch.writes.entries.filter((entry) => entry.transactionId === outcome.transactionId);
    assert.deepEqual(
      entries.map((entry) => [entry.accountId, entry.amountMinor, entry.lotId, entry.balanceAfterMinor]),
      [
        [user.ref.accountId, -30n, first, 30n],
        [user.ref.accountId, -15n, second, 15n],
        [SYSTEM_ACCOUNTS.consumption, 45n, null, null],
      ],
    );
    assertInvariants(batch);
  });

  test("a charge of exactly what is available succeeds; one more fails with both amounts", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    expectOk(user.grant(50n));
    expectOk(user.authorize(20n));
    const details = expectFailure(user.charge(31n), "insufficient_credits");
    assert.deepEqual([details.requiredMinor, details.availableMinor], [31n, 30n]);
    expectOk(user.charge(30n));
    assert.deepEqual(user.balance(), { balanceMinor: 20n, heldMinor: 20n, availableMinor: 0n, debtMinor: 0n });
    assertInvariants(batch);
  });

  test("a charge never uses the overdraft: that is for settlements that overrun their hold", () => {
    const batch = createTestBatch();
    const user = testAccount(batch, { overdraftLimitMinor: 100n });
    expectOk(user.grant(10n));
    expectFailure(user.charge(11n), "insufficient_credits");
    expectFailure(user.deduct(11n), "insufficient_credits");
    assertInvariants(batch);
  });

  test("a deduction draws like a charge but balances against the adjustment account", () => {
    const batch = createTestBatch();
    const user = testAccount(batch);
    expectOk(user.grant(50n));
    const outcome = expectOk(user.deduct(20n, "chargeback"));
    assert.equal(outcome.balanceMinor, 30n);
    const record = batch.writes.transactions.find((t) => t.transactionId === outcome.transactionId);
    assert.deepEqual([record?.kind, record?.reason], ["deduction", "chargeback"]);
    const system = batch.writes.entries.find(
      (entry) => entry.transactionId === outcome.transactionId && entry.lotId === null,
    );
    assert.deepEqual([system?.accountId, system?.amountMinor], [SYSTEM_ACCOUNTS.adjustment, 20n]);
    assertInvariants(batch);
  });

  test("a charge in one unit leaves the other alone", () => {
    const units = [
      { unit: "credits", scale: 0 },
      { unit: "usd", scale: 2 },
    ];
    const batch = createTestBatch({ config: defineLedgerConfig({ units }) });
    const user = testAccount(batch);
    expectOk(user.grant(10n));
    expectOk(user.grant(1_000n, { unit: "usd" }));
    expectOk(user.charge(250n, { unit: "usd" }));
    expectFailure(user.charge(11n), "insufficient_credits");
    assert.equal(user.balance("credits").balanceMinor, 10n);
    assert.equal(user.balance("usd").balanceMinor, 750n);
    assertInvariants(batch);
  });

  test("a member's charge counts towards what it has spent; the organization's own charges do not", () => {
    const batch = createTestBatch();
    const org = testAccount(batch, { type: "organization" });
    const member = testAccount(batch, { type: "user", externalId: "m" });
    addTestMember(org.state, member.state, { unit: "credits", capMinor: 10n });
    expectOk(org.grant(100n));
    expectOk(org.charge(50n));
    const outcome = expectOk(org.charge(10n, { member: "m" }));
    assert.equal(
      batch.writes.transactions.find((t) => t.transactionId === outcome.transactionId)?.memberAccountId,
      member.ref.accountId,
    );
    assert.equal(org.state.members.get(member.ref.accountId)?.get("credits")?.spentMinor, 10n);
    expectFailure(org.charge(1n, { member: "m" }), "member_cap_exceeded");
    assertInvariants(batch);
  });
});
