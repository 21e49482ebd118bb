import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";

const config = defineLedgerConfig({
  units: [{ unit: "credits", scale: 0 }],
  signupGrants: { user: [{ unit: "credits", amountMinor: 5n, expiresInMs: null }], organization: [], guest: [] },
});
const NOW = new Date("2031-01-01T00:00:00.000Z");

for (const database of await testDatabases()) {
  describe(`previewGrants on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    before(async () => {
      ledger = await openTestLedger(database, { config, clock: () => NOW });
    });
    after(() => ledger.dispose());

    const grant = (externalId: string, amountMinor: bigint, idempotencyKey: string, type = "user" as const) => ({
      account: { type, externalId },
      amountMinor,
      source: "promo" as const,
      idempotencyKey,
    });
    const written = async () =>
      (
        await ledger.sql.query<{ accounts: number; transactions: number }>(
          "select (select count(*)::int from accounts) as accounts, (select count(*)::int from transactions) as transactions",
        )
      )[0];

    test("grants in order, as the ledger would apply them, and nothing is written", async () => {
      assert.equal((await ledger.grant(grant("known", 10n, "first"))).ok, true);
      const counts = await written();
      const previews = await ledger.previewGrants([
        grant("known", 7n, "a"),
        grant("new", 40n, "b"),
        grant("known", 3n, "c"),
        grant("new", 1n, "d"),
      ]);
      assert.deepEqual(
        previews.map((p) => [p.accountExists, p.balanceBeforeMinor, p.result.ok && p.result.value.balanceMinor]),
        [
          [true, 15n, 22n], // 5 at signup + 10
          [false, 0n, 45n], // the new account's signup grant comes with it
          [true, 22n, 25n],
          [false, 45n, 46n],
        ],
      );
      assert.equal(previews[1]?.accountId, null, "an account the preview made is not named");
      assert.deepEqual(await written(), counts, "no account, no transaction");
      assert.equal(await ledger.accounts.findId({ type: "user", externalId: "new" }), null);
      assert.equal((await ledger.reconcile()).ok, true);
      const real = await ledger.grant(grant("new", 40n, "b"));
      assert.equal(real.ok && real.value.balanceMinor, 45n, "the real grant finds what the preview said");
    });

    test("a replay, a conflict and the rules' refusals come out as they would for real", async () => {
      const previews = await ledger.previewGrants([
        grant("known", 10n, "first"),
        grant("known", 11n, "first"),
        { ...grant("known", 1n, "late"), expiresAt: new Date(NOW.getTime() - 1) },
        grant("visitor", 1n, "bought", "guest" as never),
        { account: { type: "guest", externalId: "visitor" }, amountMinor: 1n, source: "purchase", idempotencyKey: "p" },
        { account: { accountId: `acct_${"0".repeat(32)}` }, amountMinor: 1n, source: "promo", idempotencyKey: "x" },
      ]);
      assert.deepEqual(
        previews.map((p) => (p.result.ok ? (p.result.replayed ? "replayed" : "ok") : p.result.code)),
        ["replayed", "idempotency_conflict", "invalid_expiry", "ok", "guest_cannot_purchase", "account_not_found"],
      );
      assert.equal(previews[0]?.balanceBeforeMinor, 15n, "a replay finds the balance as it is now");
      assert.deepEqual(
        [previews[5]?.accountExists, previews[5]?.accountId],
        [false, null],
        "an unknown account id is not created",
      );
      await assert.rejects(ledger.previewGrants([grant("known", 1n, "tollgate:signup:0")]), /reserved/);
    });
  });
}
