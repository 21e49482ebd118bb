// Listing and searching accounts on both databases: pages that never skip or repeat, by type,
// by external id prefix (exactly, whatever the text), oldest or newest first.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { prefixEnd } from "./list-accounts.ts";

test("prefixEnd: the prefix with its last code point one higher, past the surrogates and the last code point", () => {
  assert.equal(prefixEnd("user_"), "user`");
  assert.equal(prefixEnd("a"), "b");
  assert.equal(prefixEnd("\u{1F600}"), "\u{1F601}");
  assert.equal(prefixEnd("x\u{D7FF}"), "x\u{E000}");
  assert.equal(prefixEnd("a\u{10FFFF}"), "b");
  assert.equal(prefixEnd("\u{10FFFF}\u{10FFFF}"), null);
  assert.equal(prefixEnd(""), null);
});

for (const database of await testDatabases()) {
  describe(`listing accounts on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    const created: Array<{ type: "user" | "organization" | "guest"; externalId: string }> = [
      { type: "user", externalId: "user_100" },
      { type: "organization", externalId: "user_org" },
      { type: "user", externalId: "user_101" },
      { type: "guest", externalId: "guest-1" },
      { type: "user", externalId: "userX" },
      { type: "user", externalId: "user%1" },
      { type: "user", externalId: "Zoë@example.com" },
      { type: "user", externalId: "zoë@example.com" },
    ];
    /** External ids in account id order (two accounts made in one millisecond may sort either way). */
    let idOrder: string[] = [];
    const inIdOrder = (...externalIds: string[]) => idOrder.filter((externalId) => externalIds.includes(externalId));
    before(async () => {
      ledger = await openTestLedger(database);
      const accounts = [];
      for (const ref of created) accounts.push(await ledger.ensureAccount(ref));
      idOrder = accounts.sort((a, b) => (a.accountId < b.accountId ? -1 : 1)).map((account) => account.externalId);
    });
    after(() => ledger.dispose());

    const externalIds = async (options: Parameters<typeof ledger.accounts.list>[0]) =>
      (await ledger.accounts.list(options)).accounts.map((account) => account.externalId);

    test("every customer account in creation order, a page at a time, never a system account", async () => {
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page = await ledger.accounts.list({ limit: 3, after });
        seen.push(...page.accounts.map((account) => account.externalId));
        after = page.nextCursor;
        pages++;
      } while (after !== null);
      assert.equal(pages, 3);
      assert.deepEqual(seen, idOrder);
    });

    test("newest first pages backwards with the same cursor", async () => {
      const first = await ledger.accounts.list({ order: "newest", limit: 5 });
      const second = await ledger.accounts.list({ order: "newest", limit: 5, after: first.nextCursor });
      assert.equal(second.nextCursor, null);
      assert.deepEqual(
        [...first.accounts, ...second.accounts].map((account) => account.externalId),
        [...idOrder].reverse(),
      );
    });

    test("by type", async () => {
      assert.deepEqual(await externalIds({ type: "organization" }), ["user_org"]);
      assert.deepEqual(await externalIds({ type: "guest" }), ["guest-1"]);
    });

    test("search is an exact, case-sensitive prefix of the external id: no wildcard, any text", async () => {
      assert.deepEqual(await externalIds({ search: "user_" }), inIdOrder("user_100", "user_org", "user_101"));
      assert.deepEqual(await externalIds({ search: "user_10", type: "user" }), inIdOrder("user_100", "user_101"));
      assert.deepEqual(await externalIds({ search: "user%" }), ["user%1"], "% is a character, not a wildcard");
      assert.deepEqual(
        await externalIds({ search: "user" }),
        inIdOrder("user_100", "user_org", "user_101", "userX", "user%1"),
      );
      assert.deepEqual(await externalIds({ search: "Zoë" }), ["Zoë@example.com"]);
      assert.deepEqual(await externalIds({ search: "zoë@example.com" }), ["zoë@example.com"]);
      assert.deepEqual(await externalIds({ search: "nobody" }), []);
      const paged = await ledger.accounts.list({ search: "user_", limit: 2 });
      assert.deepEqual(
        (await ledger.accounts.list({ search: "user_", limit: 2, after: paged.nextCursor })).accounts.map(
          (account) => account.externalId,
        ),
        inIdOrder("user_100", "user_org", "user_101").slice(2),
      );
    });

    test("a limit outside 1 to 500 is a RangeError", async () => {
      await assert.rejects(ledger.accounts.list({ limit: 0 }), RangeError);
      await assert.rejects(ledger.accounts.list({ limit: 501 }), RangeError);
    });
  });
}
