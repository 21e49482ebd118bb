// The store contract: the same suite on PGlite and on PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig, PAID_FIRST } from "@tollgate/core";
import { openTestLedger, testDatabases, uniqueSchema } from "@tollgate/store/testing";
import { Ledger } from "./ledger.ts";

const MINUTE_MS = 60_000;

for (const database of await testDatabases()) {
  describe(`ledger contract on ${database.name}`, () => {
    let now = new Date("2026-01-01T00:00:00Z");
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    before(async () => {
      ledger = await openTestLedger(database, {
        clock: () => now,
        config: defineLedgerConfig({
          units: [
            { unit: "credits", scale: 0 },
            { unit: "usd", scale: 6 },
          ],
          sourcePriorities: PAID_FIRST,
        }),
      });
    });
    after(() => ledger.dispose());
    const balanceOf = async (externalId: string, unit = "credits") =>
      (await ledger.getBalances({ type: "user", externalId }, { unit }))?.[0];

    test("members draw from their organization within their caps", async () => {
      const organization = { type: "organization" as const, externalId: "acme" };
      await ledger.grant({ account: organization, amountMinor: 100n, source: "purchase", idempotencyKey: "fund" });
      await ledger.addMember({ organization: "acme", member: "alice", capsMinor: { credits: 10n } });
      await ledger.addMember({ organization: "acme", member: "bob" });

      const hold = await ledger.authorize({
        account: organization,
        member: "alice",
        amountMinor: 6n,
        idempotencyKey: "a1",
      });
      assert.ok(hold.ok);
      const over = await ledger.charge({
        account: organization,
        member: "alice",
        amountMinor: 5n,
        idempotencyKey: "a2",
      });
      assert.equal(over.ok ? "ok" : over.code, "member_cap_exceeded");
      assert.deepEqual(over.ok ? null : over.details, { requiredMinor: 5n, availableMinor: 4n, capMinor: 10n });
      await ledger.release({ holdId: hold.value.holdId, idempotencyKey: "a1-release" });
      assert.ok(
        (await ledger.charge({ account: organization, member: "alice", amountMinor: 10n, idempotencyKey: "a3" })).ok,
      );
      const stranger = await ledger.charge({
        account: organization,
        member: "mallory",
        amountMinor: 1n,
        idempotencyKey: "m1",
      });
      assert.equal(stranger.ok ? "ok" : stranger.code, "member_not_found");
      assert.ok(
        (await ledger.charge({ account: organization, member: "bob", amountMinor: 50n, idempotencyKey: "b1" })).ok,
      );
      const [limit] = await ledger.sql.query<{ spent_minor: bigint; held_minor: bigint }>(
        `select spent_minor, held_minor from member_limits l join accounts a on a.account_id = l.member_account_id
         where a.external_id = 'alice'`,
      );
      assert.deepEqual(limit, { spent_minor: 10n, held_minor: 0n });
    });

    test("holds and lots expire by the clock; reads discount them before the sweeper runs", async () => {
      const account = { type: "user" as const, externalId: "expiring" };
      await ledger.grant({
        account,
        amountMinor: 50n,
        source: "promo",
        expiresAt: new Date(now.getTime() + 10 * MINUTE_MS),
        idempotencyKey: "promo",
      });
      await ledger.grant({ account, amountMinor: 20n, source: "signup", idempotencyKey: "free" });
      const hold = await ledger.authorize({ account, amountMinor: 30n, ttlMs: 5 * MINUTE_MS, idempotencyKey: "h" });
      assert.ok(hold.ok);
      assert.equal((await balanceOf("expiring"))?.availableMinor, 40n);

      now = new Date(now.getTime() + 6 * MINUTE_MS);
      assert.equal((await balanceOf("expiring"))?.availableMinor, 70n, "the expired hold no longer counts");
      const late = await ledger.settle({ holdId: hold.value.holdId, amountMinor: 1n, idempotencyKey: "late" });
      assert.equal(late.ok ? "ok" : late.code, "hold_expired");

      now = new Date(now.getTime() + 5 * MINUTE_MS);
      assert.equal((await balanceOf("expiring"))?.balanceMinor, 20n, "the expired promo no longer counts");
      assert.ok((await ledger.sweepExpired()).accounts >= 1);
      assert.equal((await ledger.sweepExpired()).accounts, 0, "a second sweep finds nothing");
      const history = await ledger.history(account);
      assert.deepEqual(
        history?.lines.map((line) => [line.kind, line.amountMinor]),
        [
          ["expiry", -50n],
          ["grant", 20n],
          ["grant", 50n],
        ],
      );
    });

    test("refunds across batches return to the lots drawn, and never exceed the charge", async () => {
      const account = { type: "user" as const, externalId: "refunds" };
      await ledger.grant({ account, amountMinor: 10n, source: "signup", idempotencyKey: "free" });
      await ledger.grant({ account, amountMinor: 10n, source: "purchase", idempotencyKey: "paid" });
      const charge = await ledger.charge({ account, amountMinor: 15n, idempotencyKey: "c" });
      assert.ok(charge.ok);
      const lots = async () => (await balanceOf("refunds"))?.lots.map((lot) => [lot.source, lot.remainingMinor]);
      assert.deepEqual(await lots(), [["signup", 5n]], "paid first, then free");
      assert.ok(
        (await ledger.refund({ transactionId: charge.value.transactionId, amountMinor: 4n, idempotencyKey: "r1" })).ok,
      );
      assert.deepEqual(await lots(), [["signup", 9n]], "latest-drawn lot first");
      const tooMuch = await ledger.refund({
        transactionId: charge.value.transactionId,
        amountMinor: 12n,
        idempotencyKey: "r2",
      });
      assert.deepEqual(tooMuch.ok ? null : [tooMuch.code, tooMuch.details.availableMinor], [
        "refund_exceeds_charge",
        11n,
      ]);
      const rest = await ledger.reverse({
        transactionId: charge.value.transactionId,
        reason: "bad call",
        idempotencyKey: "rv",
      });
      assert.ok(rest.ok);
      assert.equal(rest.value.amountMinor, 11n);
      assert.equal(rest.value.balanceMinor, 20n);
      const again = await ledger.refund({ transactionId: charge.value.transactionId, idempotencyKey: "r3" });
      assert.equal(again.ok ? "ok" : again.code, "transaction_already_reversed");
    });

    test("a transaction is reversed once, however many reversals race", async () => {
      const account = { type: "user" as const, externalId: "race-reverse" };
      const grant = await ledger.grant({ account, amountMinor: 10n, source: "promo", idempotencyKey: "g" });
      assert.ok(grant.ok);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          ledger.reverse({ transactionId: grant.value.transactionId, reason: "oops", idempotencyKey: `rv-${index}` }),
        ),
      );
      assert.equal(results.filter((result) => result.ok).length, 1);
      assert.equal((await balanceOf("race-reverse"))?.balanceMinor, 0n);
    });

    test("a settlement may overrun into the overdraft allowance, and the next grant repays it", async () => {
      const account = { type: "user" as const, externalId: "overdraft" };
      await ledger.grant({ account, amountMinor: 10n, source: "purchase", idempotencyKey: "g" });
      assert.ok(await ledger.setOverdraftLimit(account, 5n));
      const hold = await ledger.authorize({ account, amountMinor: 8n, idempotencyKey: "h" });
      assert.ok(hold.ok);
      const tooFar = await ledger.settle({ holdId: hold.value.holdId, amountMinor: 16n, idempotencyKey: "s1" });
      assert.equal(tooFar.ok ? "ok" : tooFar.code, "insufficient_credits");
      const settled = await ledger.settle({ holdId: hold.value.holdId, amountMinor: 14n, idempotencyKey: "s2" });
      assert.ok(settled.ok);
      assert.equal(settled.value.balanceMinor, -4n);
      assert.equal((await balanceOf("overdraft"))?.debtMinor, 4n);
      const topUp = await ledger.grant({ account, amountMinor: 10n, source: "purchase", idempotencyKey: "g2" });
      assert.ok(topUp.ok);
      assert.equal(topUp.value.balanceMinor, 6n);
      assert.equal((await balanceOf("overdraft"))?.debtMinor, 0n);
    });

    test("units keep their own balances and scales", async () => {
      const account = { type: "user" as const, externalId: "two-units" };
      await ledger.grant({ account, unit: "usd", amountMinor: 10_000_000n, source: "purchase", idempotencyKey: "usd" });
      const charge = await ledger.charge({ account, unit: "usd", amountMinor: 1_234n, idempotencyKey: "c" });
      assert.ok(charge.ok);
      assert.equal((await balanceOf("two-units", "usd"))?.balanceMinor, 9_998_766n);
      assert.equal((await balanceOf("two-units", "credits"))?.balanceMinor, 0n);
      const unknown = await ledger.charge({ account, unit: "eur", amountMinor: 1n, idempotencyKey: "eur" });
      assert.equal(unknown.ok ? "ok" : unknown.code, "unit_not_found");
    });

    test("entries and transactions are append-only", async () => {
      await assert.rejects(ledger.sql.query("update entries set amount_minor = amount_minor + 1"), /append-only/);
      await assert.rejects(ledger.sql.query("delete from transactions"), /append-only/);
    });
  });
}

const postgres = (await testDatabases()).find((database) => database.name === "postgres");
describe("opening", { skip: postgres ? false : "PostgreSQL is not reachable" }, () => {
  test("two processes migrating one schema at once both succeed, and a unit's scale never changes", async () => {
    const schema = uniqueSchema("migrate");
    const open = (scale: number) =>
      Ledger.open({
        databaseUrl: postgres?.databaseUrl,
        schema,
        config: defineLedgerConfig({ units: [{ unit: "credits", scale }] }),
      });
    const ledgers = await Promise.all([open(0), open(0)]);
    const [count] = await ledgers[0].sql.query<{ count: number }>(
      "select count(*)::int as count from schema_migrations",
    );
    assert.ok((count?.count ?? 0) >= 1);
    await assert.rejects(open(2), /scale never changes/);
    await ledgers[0].sql.query(`drop schema "${schema}" cascade`);
    await Promise.all(ledgers.map((ledger) => ledger.close()));
  });
});
