import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig, type Result } from "@tollgate/core";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { type ReconcileMismatch, type ReconcileReport, reconcile } from "./reconcile.ts";
import type { SqlExecutor } from "./sql-client.ts";

const DAY_MS = 24 * 60 * 60_000;
const config = defineLedgerConfig({
  units: [
    { unit: "credits", scale: 0 },
    { unit: "usd", scale: 2 },
  ],
  signupGrants: {
    user: [{ unit: "credits", amountMinor: 100n, expiresInMs: 30 * DAY_MS }],
    organization: [],
    guest: [],
  },
  overdraftLimitMinorDefault: 50n,
});

function value<T>(result: Result<T>): T {
  if (!result.ok) assert.fail(`expected success, got ${result.code} ${JSON.stringify(result.details, String)}`);
  return result.value;
}

/** Runs `tamper` and reconciles inside one transaction, then rolls it back: the ledger stays clean. */
async function reconcileTampered(
  ledger: Awaited<ReturnType<typeof openTestLedger>>,
  tamper: (tx: SqlExecutor) => Promise<unknown>,
): Promise<ReconcileReport> {
  const rollback = new Error("rollback");
  let report: ReconcileReport | undefined;
  await ledger.sql
    .transaction(async (tx) => {
      await tamper(tx);
      report = await reconcile(tx);
      throw rollback;
    })
    .catch((error) => {
      if (error !== rollback) throw error;
    });
  assert.ok(report);
  return report;
}

function assertReported(report: ReconcileReport, checkName: string, match: Partial<ReconcileMismatch>): void {
  assert.equal(report.ok, false);
  const check = report.checks.find((candidate) => candidate.name === checkName);
  assert.ok(check, `no check named ${checkName}`);
  const found = check.mismatches.some((mismatch) =>
    Object.entries(match).every(([key, expected]) => mismatch[key as keyof ReconcileMismatch] === expected),
  );
  assert.ok(found, `${checkName} did not report ${JSON.stringify(match)}: ${JSON.stringify(check.mismatches)}`);
}

for (const database of await testDatabases()) {
  describe(`reconcile on ${database.name}`, () => {
    let now = new Date("2030-01-01T00:00:00Z");
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    const alice = { type: "user" as const, externalId: "alice" };
    const bob = { type: "user" as const, externalId: "bob" };
    const ids = { alice: "", bob: "", promoLot: "", activeHold: "", charge: "" };

    before(async () => {
      ledger = await openTestLedger(database, { config, clock: () => now });
      assert.equal((await reconcile(ledger.sql, { now })).ok, true, "an empty ledger reconciles");
      ids.alice = (await ledger.ensureAccount(alice)).accountId;
      ids.bob = (await ledger.ensureAccount(bob)).accountId;
      const promo = value(
        await ledger.grant({
          account: alice,
          amountMinor: 50n,
          source: "promo",
          expiresAt: new Date(now.getTime() + 60 * 60_000),
          idempotencyKey: "promo",
        }),
      );
      ids.promoLot = promo.lotId;
      value(
        await ledger.grant({
          account: alice,
          unit: "usd",
          amountMinor: 1250n,
          source: "purchase",
          idempotencyKey: "buy",
        }),
      );
      const below = value(await ledger.authorize({ account: alice, amountMinor: 30n, idempotencyKey: "a1" }));
      value(await ledger.settle({ holdId: below.holdId, amountMinor: 20n, idempotencyKey: "s1" }));
      const above = value(await ledger.authorize({ account: alice, amountMinor: 10n, idempotencyKey: "a2" }));
      value(await ledger.settle({ holdId: above.holdId, amountMinor: 25n, idempotencyKey: "s2" }));
      const released = value(await ledger.authorize({ account: alice, amountMinor: 10n, idempotencyKey: "a3" }));
      value(await ledger.release({ holdId: released.holdId, idempotencyKey: "r3" }));
      value(await ledger.authorize({ account: alice, amountMinor: 5n, ttlMs: 60_000, idempotencyKey: "a4" }));
      ids.activeHold = value(
        await ledger.authorize({ account: alice, amountMinor: 4n, ttlMs: DAY_MS, idempotencyKey: "a5" }),
      ).holdId;
      const charge = value(await ledger.charge({ account: alice, amountMinor: 15n, idempotencyKey: "c1" }));
      ids.charge = charge.transactionId;
      value(await ledger.refund({ transactionId: charge.transactionId, amountMinor: 5n, idempotencyKey: "rf1" }));
      value(await ledger.reverse({ transactionId: charge.transactionId, reason: "bad call", idempotencyKey: "rv1" }));
      const admin = value(
        await ledger.grant({ account: alice, amountMinor: 3n, source: "admin", reason: "oops", idempotencyKey: "g2" }),
      );
      value(await ledger.reverse({ transactionId: admin.transactionId, reason: "undo oops", idempotencyKey: "rv2" }));
      value(await ledger.deduct({ account: alice, amountMinor: 2n, reason: "abuse", idempotencyKey: "d1" }));
      // Bob overruns a hold into his overdraft, then a grant repays part of the debt.
      const bobHold = value(await ledger.authorize({ account: bob, amountMinor: 100n, idempotencyKey: "b1" }));
      value(await ledger.settle({ holdId: bobHold.holdId, amountMinor: 130n, idempotencyKey: "b2" }));
      value(await ledger.grant({ account: bob, amountMinor: 10n, source: "promo", idempotencyKey: "b3" }));
      now = new Date(now.getTime() + 2 * 60 * 60_000);
      assert.ok((await ledger.sweepExpired()).accounts >= 1);
    });
    after(() => ledger.dispose());

    test("a ledger after grants, holds, settles, charges, refunds, reversals and sweeps reconciles", async () => {
      const report = await reconcile(ledger.sql, { now });
      assert.deepEqual(
        report.checks.filter((check) => check.mismatches.length > 0),
        [],
      );
      assert.equal(report.ok, true);
      assert.equal(report.summary.accounts, 2);
      assert.equal(report.summary.activeHolds, 1);
      assert.equal(report.summary.holdsDueToExpire, 0);
      assert.ok(report.summary.transactions > 10);
      const [balance] = (await ledger.getBalances(bob)) ?? [];
      assert.equal(balance?.debtMinor, 20n, "the scenario left bob in debt");
    });

    test("a balance changed behind the ledger's back is reported against its account", async () => {
      const report = await reconcileTampered(ledger, (tx) =>
        tx.query("update balances set balance_minor = balance_minor + 1 where account_id = $1 and unit = 'credits'", [
          ids.alice,
        ]),
      );
      for (const check of ["balance_matches_entries", "balance_matches_lots", "entry_chain"]) {
        assertReported(report, check, { accountId: ids.alice, unit: "credits", measure: "amount" });
      }
    });

    test("a lot's remaining changed is reported against the lot", async () => {
      const [lot] = await ledger.sql.query<{ lot_id: string }>(
        "select lot_id from lots where account_id = $1 and unit = 'credits' and remaining_minor > 0 limit 1",
        [ids.alice],
      );
      assert.ok(lot);
      const report = await reconcileTampered(ledger, (tx) =>
        tx.query("update lots set remaining_minor = remaining_minor + 7 where lot_id = $1", [lot.lot_id]),
      );
      assertReported(report, "lot_remaining_matches_entries", { lotId: lot.lot_id, accountId: ids.alice });
      assertReported(report, "balance_matches_lots", { accountId: ids.alice, unit: "credits" });
    });

    test("an inserted unbalanced entry breaks the unit, its transaction, the balance and the debt", async () => {
      const report = await reconcileTampered(ledger, async (tx) => {
        const [row] = await tx.query<{ balance_minor: bigint; version: bigint }>(
          "select balance_minor, version from balances where account_id = $1 and unit = 'credits'",
          [ids.alice],
        );
        assert.ok(row);
        await tx.query(
          `insert into entries (account_id, transaction_id, unit, amount_minor, lot_id, balance_before_minor,
             balance_after_minor, version, created_at) values ($1, $2, 'credits', 5, null, $3, $4, $5, now())`,
          [ids.alice, ids.charge, row.balance_minor, row.balance_minor + 5n, row.version + 1n],
        );
      });
      assertReported(report, "units_sum_to_zero", { unit: "credits", expected: "0", actual: "5" });
      assertReported(report, "transactions_balance", { transactionId: ids.charge, actual: "5" });
      assertReported(report, "balance_matches_entries", { accountId: ids.alice, unit: "credits" });
      assertReported(report, "debt_matches_entries", { accountId: ids.alice, unit: "credits", expected: "-5" });
      assertReported(report, "entry_chain", { accountId: ids.alice, field: "balances.version = count(entries)" });
    });

    test("a second transaction under one idempotency key is reported", async () => {
      const report = await reconcileTampered(ledger, (tx) =>
        tx.query(
          `insert into transactions (account_id, transaction_id, kind, unit, amount_minor, idempotency_key, created_at)
           values ($1, 'txn_forged', 'charge', 'credits', 1, 'c1', now())`,
          [ids.alice],
        ),
      );
      assertReported(report, "idempotency", { transactionId: "txn_forged", idempotencyKey: "c1", actual: "2" });
      assertReported(report, "idempotency", { transactionId: "txn_forged", expected: "txn_forged" });
      assertReported(report, "transactions_balance", { transactionId: "txn_forged", actual: "0" });
    });

    test("a usage event claiming a charge that is not its own is reported", async () => {
      const report = await reconcileTampered(ledger, (tx) =>
        tx.query(
          `insert into usage_events (account_id, usage_event_id, idempotency_key, transaction_id, success, cost_source,
             unit, charged_minor, price_snapshot_id, created_at)
           values ($1, 'use_forged', 'forged', $2, true, 'catalog', 'credits', 16, 'no-such-snapshot', now())`,
          [ids.alice, ids.charge],
        ),
      );
      assertReported(report, "usage_event_charges", { transactionId: ids.charge, expected: "16", actual: "15" });
      assertReported(report, "usage_event_charges", { transactionId: ids.charge, actual: "no-such-snapshot" });
    });

    test("a refund returning more than its charge is reported", async () => {
      const report = await reconcileTampered(ledger, (tx) =>
        tx.query(
          `insert into transactions (account_id, transaction_id, kind, unit, amount_minor, reverses_transaction_id,
             idempotency_key, created_at) values ($1, 'txn_refund', 'refund', 'credits', 1, $2, 'forged', now())`,
          [ids.alice, ids.charge],
        ),
      );
      assertReported(report, "undo_bounds", { transactionId: ids.charge, expected: "15", actual: "16" });
    });

    test("a hold whose amount changed is reported in held and in its allocations", async () => {
      const report = await reconcileTampered(ledger, (tx) =>
        tx.query("update holds set amount_minor = amount_minor + 1 where hold_id = $1", [ids.activeHold]),
      );
      assertReported(report, "held_matches_holds", {
        accountId: ids.alice,
        field: "balances.held_minor = sum(active holds)",
      });
      assertReported(report, "hold_allocations", { holdId: ids.activeHold, expected: "5", actual: "4" });
    });

    test("a lowered overdraft limit leaves a debt outside it", async () => {
      const report = await reconcileTampered(ledger, (tx) =>
        tx.query("update accounts set overdraft_limit_minor = 10 where account_id = $1", [ids.bob]),
      );
      assertReported(report, "available_within_overdraft", { accountId: ids.bob, expected: "-10", actual: "-20" });
      assertReported(report, "available_within_overdraft", {
        accountId: ids.bob,
        field: "debt_minor <= allowance",
        expected: "10",
        actual: "20",
      });
    });

    test("a deleted lot leaves entries pointing nowhere", async () => {
      const report = await reconcileTampered(ledger, (tx) =>
        tx.query("delete from lots where lot_id = $1", [ids.promoLot]),
      );
      assertReported(report, "entry_references", { lotId: ids.promoLot, accountId: ids.alice });
    });

    test("a member's held that no hold explains is reported", async () => {
      const report = await reconcileTampered(ledger, async (tx) => {
        await tx.query("insert into members (account_id, member_account_id) values ($1, $2)", [ids.bob, ids.alice]);
        await tx.query(
          `insert into member_limits (account_id, member_account_id, unit, cap_minor, spent_minor, held_minor)
           values ($1, $2, 'credits', null, 0, 5)`,
          [ids.bob, ids.alice],
        );
      });
      assertReported(report, "member_held_matches_holds", {
        accountId: ids.bob,
        memberAccountId: ids.alice,
        actual: "5",
      });
    });

    test("mismatches beyond the limit are cut and flagged", async () => {
      const report = await reconcileTampered(ledger, async (tx) => {
        await tx.query("update balances set version = version + 1");
        const limited = await reconcile(tx, { mismatchesMax: 1 });
        const chain = limited.checks.find((check) => check.name === "entry_chain");
        assert.equal(chain?.mismatches.length, 1);
        assert.equal(chain?.truncated, true);
      });
      assertReported(report, "entry_chain", { accountId: ids.bob, field: "balances.version = count(entries)" });
    });
  });
}
