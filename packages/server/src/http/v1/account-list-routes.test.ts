// GET /v1/accounts on both databases: every account a page at a time with its balances, by type,
// by the start of its external id, oldest or newest first; a query it does not take is a 400.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";

interface Page {
  data: Array<{
    id: string;
    type: string;
    externalId: string;
    createdAt: string;
    balances: Array<{ unit: string; balance: string; lots: Array<{ source: string; remaining: string }> }>;
  }>;
  nextCursor: string | null;
}

for (const database of await testDatabases()) {
  describe(`GET /v1/accounts on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let app: ReturnType<typeof createApp>;
    let token = "";
    /** External ids in account id order. */
    let idOrder: string[] = [];

    before(async () => {
      ledger = await openTestLedger(database, {
        config: defineLedgerConfig({
          signupGrants: {
            user: [{ unit: "credits", amountMinor: 100n, expiresInMs: null }],
            organization: [],
            guest: [],
          },
        }),
      });
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      token = (await keys.create({ kind: "secret", name: "backend" })).token;
      app = createApp({ ledger, meter, keys });
      const accounts = [];
      for (const [type, externalId] of [
        ["user", "user_1"],
        ["organization", "acme"],
        ["user", "user_2"],
        ["guest", "guest_1"],
        ["user", "admin@example.com"],
      ] as const) {
        accounts.push(await ledger.ensureAccount({ type, externalId }));
      }
      idOrder = accounts.sort((a, b) => (a.accountId < b.accountId ? -1 : 1)).map((account) => account.externalId);
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    const list = async (query = "") => {
      const response = await app.request(`/v1/accounts${query}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200, await response.clone().text());
      return (await response.json()) as Page;
    };
    const externalIds = async (query: string) => (await list(query)).data.map((account) => account.externalId);

    test("every account a page at a time, as POST /v1/accounts answers it, with its balances and lots", async () => {
      const first = await list("?limit=3");
      assert.equal(first.data.length, 3);
      const second = await list(`?limit=3&after=${first.nextCursor}`);
      assert.equal(second.nextCursor, null);
      assert.deepEqual(
        [...first.data, ...second.data].map((account) => account.externalId),
        idOrder,
      );
      const user = first.data.find((account) => account.externalId === "user_1");
      const created = await (
        await app.request("/v1/accounts", {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": "again" },
          body: JSON.stringify({ type: "user", externalId: "user_1" }),
        })
      ).json();
      const { created: _, ...answered } = created as { created: boolean };
      assert.deepEqual({ ...user, balances: undefined }, { ...answered, balances: undefined });
      assert.deepEqual(
        user?.balances.map((balance) => [
          balance.unit,
          balance.balance,
          balance.lots.map((lot) => [lot.source, lot.remaining]),
        ]),
        [["credits", "100", [["signup", "100"]]]],
      );
      assert.deepEqual(
        first.data.find((account) => account.externalId === "acme")?.balances,
        [],
        "an organization without a grant",
      );
    });

    test("newest first, by type, by the start of the external id", async () => {
      assert.deepEqual(await externalIds("?order=newest"), [...idOrder].reverse());
      const newest = await list("?order=newest&limit=2");
      assert.deepEqual(await externalIds(`?order=newest&after=${newest.nextCursor}`), [...idOrder].reverse().slice(2));
      assert.deepEqual(await externalIds("?type=organization"), ["acme"]);
      const users = ["user_1", "user_2"];
      assert.deepEqual(
        await externalIds("?search=user_"),
        idOrder.filter((id) => users.includes(id)),
      );
      assert.deepEqual(await externalIds("?search=admin%40"), ["admin@example.com"]);
      assert.deepEqual(await externalIds("?search=user&type=guest"), []);
      assert.deepEqual(await externalIds("?search=_1"), [], "a prefix, not a substring");
    });

    test("a bad or unknown query parameter is a 400", async () => {
      for (const query of [
        "?limit=0",
        "?limit=501",
        "?type=system",
        "?order=random",
        "?after=nope",
        "?q=user",
        "?search=",
      ]) {
        const response = await app.request(`/v1/accounts${query}`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(response.status, 400, query);
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, "invalid_request");
      }
    });
  });
}
