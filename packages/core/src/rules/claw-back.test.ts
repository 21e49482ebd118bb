import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BatchContext } from "../account-state.ts";
import { SYSTEM_ACCOUNTS } from "../ids.ts";
import { assertInvariants, snapshot } from "../testing/invariants.ts";
import { nextKey, reverse, testAccount } from "../testing/test-account.ts";
import { createTestBatch, expectFailure, expectOk, run } from "../testing/test-batch.ts";

const HOUR_MS = 3_600_000;

function clawBack(batch: BatchContext, transactionId: string, amountMinor: bigint, reason = "pack refunded") {
  return run(batch, { kind: "claw_back", transactionId, amountMinor, reason, idempotencyKey: nextKey() });
}

function issuanceTotal(batch: BatchContext): bigint {
  return batch.writes.entries
    .filter((entry) => entry.accountId === SYSTEM_ACCOUNTS.issuance)
    .reduce((sum, entry) => sum + entry.amountMinor, 0n);
}

/** A promo lot of 50 spent first, then a pack lot of 100. */
function packBuyer() {
  const batch = createTestBatch();
  const user = testAccount(batch);
  expectOk(user.grant(50n, { priority: 1 }));
  const pack = expectOk(user.grant(100n, { source: "pack", priority: 2 }));
  return { batch, user, pack };
}

describe("claw-backs", () => {
  test("an unspent lot gives back what is asked, to system:issuance", () => {
    const { batch, user, pack } = packBuyer();
    const taken = expectOk(clawBack(batch, pack.transactionId, 40n));
    assert.deepEqual(
      [taken.requestedMinor, taken.clawedBackMinor, taken.shortfallMinor, taken.lotId],
      [40n, 40n, 0n, pack.lotId],
    );
    assert.ok(taken.transactionId?.startsWith("txn_"));
    assert.equal(user.balance().balanceMinor, 110n);
    assert.equal(user.state.lots.get(pack.lotId)?.remainingMinor, 60n);
    assert.equal(issuanceTotal(batch), -150n + 40n);
    const record = batch.writes.transactions.find((row) => row.transactionId === taken.transactionId);
    assert.deepEqual([record?.kind, record?.reversesTransactionId], ["clawback", pack.transactionId]);
    assertInvariants(batch);
  });

  test("what the lot has spent is the shortfall; other lots are never touched", () => {
    const { batch, user, pack } = packBuyer();
    expectOk(user.charge(120n)); // all of the promo lot, 70 of the pack
    const taken = expectOk(clawBack(batch, pack.transactionId, 100n));
    assert.deepEqual([taken.clawedBackMinor, taken.shortfallMinor], [30n, 70n]);
    assert.deepEqual(user.balance(), { balanceMinor: 0n, heldMinor: 0n, availableMinor: 0n, debtMinor: 0n });
    assertInvariants(batch);
  });

  test("held credits stay for the call that holds them", () => {
    const { batch, user, pack } = packBuyer();
    expectOk(user.authorize(130n)); // 50 of the promo lot, 80 of the pack
    const taken = expectOk(clawBack(batch, pack.transactionId, 100n));
    assert.deepEqual([taken.clawedBackMinor, taken.shortfallMinor], [20n, 80n]);
    assert.deepEqual(user.balance(), { balanceMinor: 130n, heldMinor: 130n, availableMinor: 0n, debtMinor: 0n });
    assertInvariants(batch);
  });

  test("an expired lot has nothing to give: the whole amount is the shortfall, nothing is written", () => {
    const { batch, user } = packBuyer();
    const expiring = expectOk(user.grant(30n, { source: "pack", expiresAt: new Date(batch.now.getTime() + HOUR_MS) }));
    batch.now = new Date(batch.now.getTime() + 2 * HOUR_MS);
    const taken = expectOk(clawBack(batch, expiring.transactionId, 30n));
    assert.deepEqual([taken.clawedBackMinor, taken.shortfallMinor, taken.transactionId], [0n, 30n, null]);
    // The sweep before the operation expired the lot; the claw-back itself adds nothing.
    assert.equal(batch.writes.transactions.filter((row) => row.kind === "clawback").length, 0);
    assertInvariants(batch);
  });

  test("claw-backs add up, and a reversal afterwards takes back only what is left", () => {
    const { batch, user, pack } = packBuyer();
    expectOk(clawBack(batch, pack.transactionId, 30n));
    expectOk(clawBack(batch, pack.transactionId, 30n));
    const reversal = expectOk(reverse(batch, pack.transactionId));
    assert.equal(user.state.lots.get(pack.lotId)?.remainingMinor, 0n);
    assert.equal(user.balance().balanceMinor, 50n);
    assert.deepEqual([reversal.amountMinor, reversal.balanceMinor], [40n, 50n]);
    assert.equal(issuanceTotal(batch), -50n);
    assertInvariants(batch);
  });

  test("a grant clawed back in full cannot be reversed: there is nothing left to take", () => {
    const { batch, pack } = packBuyer();
    expectOk(clawBack(batch, pack.transactionId, 100n));
    expectFailure(reverse(batch, pack.transactionId), "refund_exceeds_charge");
    assertInvariants(batch);
  });

  test("refusals", () => {
    const { batch, user, pack } = packBuyer();
    const charge = expectOk(user.charge(10n)).transactionId;
    const before = snapshot(batch);
    expectFailure(clawBack(batch, pack.transactionId, 0n), "invalid_amount");
    expectFailure(clawBack(batch, pack.transactionId, 10n, " "), "reason_required");
    expectFailure(clawBack(batch, "txn_missing", 10n), "transaction_not_found");
    expectFailure(clawBack(batch, "txn_missing", 0n), "invalid_amount");
    expectFailure(clawBack(batch, charge, 10n), "transaction_not_reversible");
    assert.deepEqual(snapshot(batch), before, "a refused claw-back changes nothing");
    expectOk(reverse(batch, pack.transactionId));
    expectFailure(clawBack(batch, pack.transactionId, 10n), "transaction_already_reversed");
    assertInvariants(batch);
  });
});
