import assert from "node:assert/strict";
import { test } from "node:test";
import type { Hold, Lot } from "@tollgate/core";
import { BalanceViewMemo } from "./balance-view-memo.ts";
import { type AccountBalanceState, viewBalances } from "./reads.ts";

const at = (iso: string) => new Date(`2026-01-01T${iso}Z`);

function lot(lotId: string, remainingMinor: bigint, expiresAt: Date | null): Lot {
  return {
    lotId,
    unit: "credits",
    source: "promo",
    priority: 0,
    expiresAt,
    grantedMinor: remainingMinor,
    remainingMinor,
    heldMinor: 0n,
    createdAt: at("00:00:00"),
    transactionId: `txn_${lotId}`,
  };
}

/** 100 credits that expire at 10:00, 50 that never do, and a hold of 20 on the latter until 11:00. */
function state(): AccountBalanceState {
  const hold: Hold = {
    holdId: "hold_1",
    accountId: "acct_1",
    unit: "credits",
    amountMinor: 20n,
    capturedMinor: 0n,
    status: "active",
    expiresAt: at("11:00:00"),
    allocations: [{ lotId: "forever", amountMinor: 20n }],
    memberAccountId: null,
    createdAt: at("00:00:00"),
    transactionId: null,
  };
  const forever = { ...lot("forever", 50n, null), heldMinor: 20n };
  return {
    balances: [{ unit: "credits", balanceMinor: 150n, heldMinor: 20n, debtMinor: 0n, version: 3n }],
    lots: [lot("soon", 100n, at("10:00:00")), forever],
    holds: [hold],
  };
}

test("the same frozen views come back between two expiries, and equal what viewBalances makes", () => {
  const memo = new BalanceViewMemo();
  const account = state();
  const first = memo.viewsOf(account, at("09:00:00"));
  assert.deepEqual(first, viewBalances(account, at("09:00:00")));
  assert.equal(memo.viewsOf(account, at("09:59:59.999")), first);
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first[0]) && Object.isFrozen(first[0]?.lots[0]));
  assert.throws(() => {
    (first[0] as { balanceMinor: bigint }).balanceMinor = 0n;
  }, TypeError);
});

test("an expiry reached makes new views, and so does a clock moved back before one", () => {
  const memo = new BalanceViewMemo();
  const account = state();
  const before = memo.viewsOf(account, at("09:00:00"));
  // At 10:00 the lot of 100 is gone (expiry is inclusive); at 11:00 the hold is released.
  for (const time of ["10:00:00", "10:30:00", "11:00:00", "12:00:00", "09:30:00"]) {
    const views = memo.viewsOf(account, at(time));
    assert.deepEqual(views, viewBalances(account, at(time)), time);
  }
  assert.equal(memo.viewsOf(account, at("10:30:00"))[0]?.balanceMinor, 50n);
  assert.equal(memo.viewsOf(account, at("12:00:00"))[0]?.heldMinor, 0n);
  assert.notEqual(memo.viewsOf(account, at("09:00:00")), before);
  assert.deepEqual(memo.viewsOf(account, at("09:00:00")), before);
});

test("a new state (a write, a reload) and another unit each get views of their own", () => {
  const memo = new BalanceViewMemo();
  const account = state();
  const all = memo.viewsOf(account, at("09:00:00"));
  assert.notEqual(memo.viewsOf(state(), at("09:00:00")), all);
  const credits = memo.viewsOf(account, at("09:00:00"), "credits");
  assert.notEqual(credits, all);
  assert.equal(memo.viewsOf(account, at("09:00:01"), "credits"), credits);
  assert.deepEqual(memo.viewsOf(account, at("09:00:00"), "tokens"), []);
});
