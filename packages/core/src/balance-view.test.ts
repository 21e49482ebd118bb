import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BatchContext } from "./account-state.ts";
import { viewBalance } from "./balance-view.ts";
import { assertInvariants } from "./testing/invariants.ts";
import { settle, testAccount } from "./testing/test-account.ts";
import { advance, createTestBatch, expectOk, sweep } from "./testing/test-batch.ts";

const MINUTE_MS = 60_000;

/**
 * A reader sees an account as the sweeper would leave it: viewing the stored state at `now`
 * must give what sweeping it and then reading gives.
 */
function assertViewMatchesSweep(batch: BatchContext, accountId: string): void {
  const state = batch.accounts.get(accountId);
  if (!state) throw new Error("no such account");
  const row = state.balances.get("credits");
  if (!row) throw new Error("no credits row");
  const view = viewBalance(
    { ...row },
    [...state.lots.values()].filter((lot) => lot.remainingMinor > 0n).map((lot) => ({ ...lot })),
    [...state.holds.values()].filter((hold) => hold.status === "active"),
    batch.now,
  );
  sweep(batch, state);
  const swept = state.balances.get("credits");
  assert.deepEqual(
    [view.balanceMinor, view.heldMinor, view.availableMinor, view.debtMinor],
    [swept?.balanceMinor, swept?.heldMinor, (swept?.balanceMinor ?? 0n) - (swept?.heldMinor ?? 0n), swept?.debtMinor],
  );
  const live = [...state.lots.values()].filter((lot) => lot.remainingMinor > 0n);
  assert.deepEqual(
    view.lots.map((lot) => [lot.lotId, lot.remainingMinor, lot.heldMinor]).sort(),
    live.map((lot) => [lot.lotId, lot.remainingMinor, lot.heldMinor]).sort(),
  );
}

/** Lot A (50, expires at 10 min), lot B (50, no expiry); holds of 30 (ttl 5 min) and 40 (ttl 20 min). */
function scenario() {
  const batch = createTestBatch();
  const user = testAccount(batch, { overdraftLimitMinor: 5n });
  expectOk(user.grant(50n, { expiresAt: new Date(batch.now.getTime() + 10 * MINUTE_MS) }));
  expectOk(user.grant(50n));
  expectOk(user.authorize(30n, { ttlMs: 5 * MINUTE_MS }));
  expectOk(user.authorize(40n, { ttlMs: 20 * MINUTE_MS }));
  return { batch, user };
}

describe("balance view", () => {
  for (const minutes of [0, 5, 7, 10, 15, 20, 60]) {
    test(`${minutes} minutes on, the view of the unswept state equals the swept state`, () => {
      const { batch, user } = scenario();
      advance(batch, minutes * MINUTE_MS);
      assertViewMatchesSweep(batch, user.ref.accountId);
    });
  }

  test("debt is shown as recorded, and an expired lot's held part stays until its hold ends", () => {
    const batch = createTestBatch();
    const user = testAccount(batch, { overdraftLimitMinor: 5n });
    expectOk(user.grant(10n));
    expectOk(settle(batch, expectOk(user.authorize(10n)).holdId, 13n));
    expectOk(user.grant(20n, { expiresAt: new Date(batch.now.getTime() + MINUTE_MS) }));
    expectOk(user.authorize(5n, { ttlMs: 2 * MINUTE_MS }));
    advance(batch, MINUTE_MS);
    assertViewMatchesSweep(batch, user.ref.accountId);
    advance(batch, MINUTE_MS);
    assertViewMatchesSweep(batch, user.ref.accountId);
    assertInvariants(batch);
  });
});
