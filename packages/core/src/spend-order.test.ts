import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defineLedgerConfig, PAID_FIRST } from "./ledger-config.ts";
import type { Lot } from "./model.ts";
import { compareSpendOrder, spendableLots } from "./spend-order.ts";
import { assertInvariants } from "./testing/invariants.ts";
import { testAccount } from "./testing/test-account.ts";
import { advance, createTestBatch, expectOk } from "./testing/test-batch.ts";

const T0 = new Date("2030-01-01T00:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

function lot(lotId: string, fields: Partial<Lot> = {}): Lot {
  return {
    lotId,
    unit: "credits",
    source: "promo",
    priority: 100,
    expiresAt: null,
    grantedMinor: 10n,
    remainingMinor: 10n,
    heldMinor: 0n,
    createdAt: T0,
    transactionId: `txn_${lotId}`,
    ...fields,
  };
}

describe("spend order", () => {
  test("lower priority first, then soonest expiry (none last), then oldest, then lot id", () => {
    const lots = [
      lot("g", { priority: 200 }),
      lot("f", { expiresAt: null, createdAt: at(1) }),
      lot("e", { expiresAt: null, createdAt: at(0) }),
      lot("d", { expiresAt: at(5_000) }),
      lot("c", { expiresAt: at(1_000), createdAt: at(2) }),
      lot("b", { expiresAt: at(1_000), createdAt: at(2) }),
      lot("a", { priority: 1, expiresAt: null }),
    ];
    assert.deepEqual(
      [...lots].sort(compareSpendOrder).map((l) => l.lotId),
      ["a", "b", "c", "d", "e", "f", "g"],
    );
  });

  test("spendable lots leave out other units, expired lots and fully held lots", () => {
    const lots = [
      lot("other-unit", { unit: "usd" }),
      lot("expired", { expiresAt: at(0) }),
      lot("held", { heldMinor: 10n }),
      lot("partly-held", { heldMinor: 4n }),
      lot("later", { expiresAt: at(10) }),
    ];
    assert.deepEqual(
      spendableLots(lots, "credits", T0).map((l) => l.lotId),
      ["later", "partly-held"],
    );
  });

  test("a charge draws priority, then soonest expiry, then oldest, across lots", () => {
    const batch = createTestBatch({ now: T0 });
    const user = testAccount(batch);
    const oldest = expectOk(user.grant(10n)).lotId;
    advance(batch, 1);
    const newer = expectOk(user.grant(10n)).lotId;
    const expiring = expectOk(user.grant(10n, { expiresAt: at(60_000) })).lotId;
    const sooner = expectOk(user.grant(10n, { expiresAt: at(30_000) })).lotId;
    const first = expectOk(user.grant(10n, { priority: 1 })).lotId;

    expectOk(user.charge(45n));
    const remaining = new Map(user.lots().map((l) => [l.lotId, l.remainingMinor]));
    assert.deepEqual(
      [first, sooner, expiring, oldest, newer].map((id) => remaining.get(id)),
      [0n, 0n, 0n, 0n, 5n],
    );
    assertInvariants(batch);
  });

  test("a hold reserves in the same order, and a charge draws around what is held", () => {
    const batch = createTestBatch({ now: T0 });
    const user = testAccount(batch);
    const a = expectOk(user.grant(10n, { priority: 1 })).lotId;
    const b = expectOk(user.grant(10n, { priority: 2 })).lotId;
    const hold = expectOk(user.authorize(12n));
    assert.deepEqual(batch.accounts.get(user.ref.accountId)?.holds.get(hold.holdId)?.allocations, [
      { lotId: a, amountMinor: 10n },
      { lotId: b, amountMinor: 2n },
    ]);
    expectOk(user.charge(8n));
    assert.deepEqual(
      user.lots().map((l) => [l.lotId, l.remainingMinor, l.heldMinor]),
      [
        [a, 10n, 10n],
        [b, 2n, 2n],
      ],
    );
    assertInvariants(batch);
  });

  test("with PAID_FIRST, purchased credits go before the plan's, and the signup's last", () => {
    const batch = createTestBatch({ now: T0, config: defineLedgerConfig({ sourcePriorities: PAID_FIRST }) });
    const user = testAccount(batch);
    expectOk(user.grant(10n, { source: "signup" }));
    expectOk(user.grant(10n, { source: "plan" }));
    expectOk(user.grant(10n, { source: "promo", expiresAt: at(1_000) }));
    expectOk(user.grant(10n, { source: "purchase" }));
    expectOk(user.charge(15n));
    assert.deepEqual(
      user.lots().map((l) => [l.source, l.remainingMinor]),
      [
        ["signup", 10n],
        ["plan", 5n],
        ["promo", 10n],
        ["purchase", 0n],
      ],
    );
    expectOk(user.charge(10n));
    assert.deepEqual(
      user.lots().map((l) => [l.source, l.remainingMinor]),
      [
        ["signup", 10n],
        ["plan", 0n],
        ["promo", 5n],
        ["purchase", 0n],
      ],
    );
    assertInvariants(batch);
  });

  test("with equal priorities (the default), the expiring promo goes before the purchase", () => {
    const batch = createTestBatch({ now: T0 });
    const user = testAccount(batch);
    expectOk(user.grant(10n, { source: "purchase" }));
    expectOk(user.grant(10n, { source: "promo", expiresAt: at(1_000) }));
    expectOk(user.charge(4n));
    assert.deepEqual(
      user.lots().map((l) => [l.source, l.remainingMinor]),
      [
        ["purchase", 10n],
        ["promo", 6n],
      ],
    );
    assertInvariants(batch);
  });
});
