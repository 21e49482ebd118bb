// A write to an account that does not exist opens it in the write's own transaction, only if the
// write succeeds: on both databases, in one batch, and from two instances at once on PostgreSQL.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { Ledger } from "./ledger.ts";
import { openTestLedger, testDatabases } from "./testing/test-databases.ts";

const config = defineLedgerConfig({
  signupGrants: { user: [{ unit: "credits", amountMinor: 100n, expiresInMs: null }], organization: [], guest: [] },
});

for (const database of await testDatabases()) {
  describe(`a new account in a batch on ${database.name}`, () => {
    test("refused and accepted writes to one new account in one batch: it starts once, with one signup grant", async () => {
      const ledger = await openTestLedger(database, { config });
      try {
        const account = { type: "user" as const, externalId: "first-use" };
        // Submitted together, so they share a batch: the first refusal must not keep the account
        // or its grant, and the accepted ones after it must find it.
        const results = await Promise.all([
          ledger.charge({ account, amountMinor: 5000n, idempotencyKey: "too-much" }),
          ledger.charge({ account, amountMinor: 50n, idempotencyKey: "first" }),
          ledger.charge({ account, amountMinor: 500n, idempotencyKey: "too-much-again" }),
          ledger.charge({ account, amountMinor: 30n, idempotencyKey: "second" }),
        ]);
        assert.deepEqual(
          results.map((result) => (result.ok ? "ok" : result.code)),
          ["insufficient_credits", "ok", "insufficient_credits", "ok"],
        );
        const [credits] = (await ledger.getBalances(account)) ?? [];
        assert.equal(credits?.balanceMinor, 20n);
        assert.equal(credits?.lots.filter((lot) => lot.source === "signup").length, 1);
        assert.equal((await ledger.reconcile()).ok, true);
      } finally {
        await ledger.dispose();
      }
    });

    test("a refused write alone leaves no account, and a later one still gets the signup grant", async () => {
      const ledger = await openTestLedger(database, { config });
      try {
        const account = { type: "user" as const, externalId: "refused-first" };
        const refused = await ledger.authorize({ account, amountMinor: 101n, idempotencyKey: "hold" });
        assert.equal(refused.ok ? "ok" : refused.code, "insufficient_credits");
        assert.equal(await ledger.accounts.findId(account), null);
        const granted = await ledger.grant({ account, amountMinor: 5n, source: "promo", idempotencyKey: "promo" });
        assert.ok(granted.ok);
        assert.equal(granted.value.balanceMinor, 105n);
      } finally {
        await ledger.dispose();
      }
    });
  });
}

const postgres = (await testDatabases()).find((database) => database.name === "postgres");
describe("a new account opened by two instances at once on PostgreSQL", { skip: !postgres }, () => {
  test("both instances' writes land on one account, with one signup grant, and a shared key charges once", async () => {
    if (!postgres) return;
    const first = await openTestLedger(postgres, { config });
    const second = await Ledger.open({ databaseUrl: postgres.databaseUrl, schema: first.schema, config });
    try {
      const rounds = 20;
      for (let round = 0; round < rounds; round++) {
        const account = { type: "user" as const, externalId: `race-${round}` };
        const results = await Promise.all(
          [first, second].flatMap((ledger, instance) => [
            ...[0, 1].map((index) =>
              ledger.charge({ account, amountMinor: 10n, idempotencyKey: `charge-${instance}-${index}` }),
            ),
            // The same key from both instances: one charge, and the other its replay.
            ledger.charge({ account, amountMinor: 10n, idempotencyKey: "same" }),
          ]),
        );
        assert.ok(
          results.every((result) => result.ok),
          JSON.stringify(results.map((result) => (result.ok ? "ok" : result.code))),
        );
        const [credits] = (await first.getBalances(account, { fresh: true })) ?? [];
        assert.equal(results.filter((result) => result.ok && result.replayed).length, 1);
        assert.equal(credits?.balanceMinor, 50n, `round ${round}`);
        assert.equal(credits?.lots.filter((lot) => lot.source === "signup").length, 1);
      }
      assert.equal((await first.reconcile()).ok, true);
    } finally {
      await second.close();
      await first.dispose();
    }
  });
});
