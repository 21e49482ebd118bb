import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";

const config = defineLedgerConfig({
  signupGrants: { user: [{ unit: "credits", amountMinor: 100n, expiresInMs: null }], organization: [], guest: [] },
});

for (const database of await testDatabases()) {
  describe(`ledger on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    before(async () => {
      ledger = await openTestLedger(database, { config });
    });
    after(() => ledger.dispose());

    test("a new account gets its signup grant in the transaction that creates it", async () => {
      const account = await ledger.ensureAccount({ type: "user", externalId: "signup" });
      const balances = await ledger.getBalances({ accountId: account.accountId });
      assert.equal(balances?.[0]?.balanceMinor, 100n);
      const again = await ledger.ensureAccount({ type: "user", externalId: "signup" });
      assert.equal(again.accountId, account.accountId);
      assert.equal((await ledger.getBalances({ accountId: account.accountId }))?.[0]?.balanceMinor, 100n);
    });

    test("a charge is replayed under its key and conflicts with another payload", async () => {
      const account = { type: "user" as const, externalId: "replay" };
      const first = await ledger.charge({ account, amountMinor: 30n, idempotencyKey: "k1" });
      assert.ok(first.ok);
      const replay = await ledger.charge({ account, amountMinor: 30n, idempotencyKey: "k1" });
      assert.deepEqual(replay, { ...first, replayed: true });
      const conflict = await ledger.charge({ account, amountMinor: 31n, idempotencyKey: "k1" });
      assert.equal(conflict.ok ? "ok" : conflict.code, "idempotency_conflict");
      assert.equal((await ledger.getBalances(account))?.[0]?.balanceMinor, 70n);
    });

    test("the signup grant's key is in a namespace apps cannot use", async () => {
      const account = { type: "user" as const, externalId: "namespace" };
      const grant = await ledger.grant({ account, amountMinor: 5n, source: "promo", idempotencyKey: "signup:0" });
      assert.ok(grant.ok, "an app key that looks like Tollgate's old signup key is an ordinary key");
      assert.equal(grant.value.balanceMinor, 105n);
      await assert.rejects(
        ledger.grant({ account, amountMinor: 5n, source: "promo", idempotencyKey: "tollgate:signup:0" }),
        /reserved/,
      );
    });

    test("reading an unknown account says so instead of reading zero", async () => {
      assert.equal(await ledger.getBalances({ type: "user", externalId: "nobody" }), null);
    });
  });
}
