// An account's active holds over HTTP on both databases: oldest first with exact amounts, a page
// at a time, the member that drew each, settled and expired ones left out, and the scope.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

type Hold = {
  holdId: string;
  unit: string;
  amount: string;
  member: string | null;
  expiresAt: string;
  createdAt: string;
};
type HoldPage = { accountId: string; data: Hold[]; nextCursor: string | null };

const START = Date.parse("2026-03-01T12:00:00.000Z");

for (const database of await testDatabases()) {
  describe(`GET /v1/accounts/{account}/holds on ${database.name}`, () => {
    let api: TestApi;
    let nowMs = START;
    before(async () => {
      api = await openTestApi(database, { clock: () => new Date(nowMs) });
    });
    after(() => api.close());
    const hold = async (body: Record<string, unknown>) => {
      const answer = await api.call<{ holdId: string }>("POST", "/v1/holds", body);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.holdId;
    };

    test("active holds oldest first, with their member; a released one and an expired one are gone", async () => {
      await api.ledger.ensureAccount({ type: "organization", externalId: "acme" });
      const granted = await api.call("POST", "/v1/accounts/organization:acme/grants", {
        amount: "100",
        source: "admin",
        reason: "start",
      });
      assert.equal(granted.status, 200, JSON.stringify(granted.body));
      assert.equal((await api.call("POST", "/v1/accounts/organization:acme/members", { member: "ann" })).status, 200);
      const first = await hold({ account: "organization:acme", amount: "30", ttlSeconds: 600 });
      nowMs += 1;
      const second = await hold({ account: "organization:acme", amount: "5", member: "ann", ttlSeconds: 60 });
      nowMs += 1;
      const third = await hold({ account: "organization:acme", amount: "7", ttlSeconds: 600 });
      const page = await api.call<HoldPage>("GET", "/v1/accounts/organization:acme/holds");
      assert.equal(page.status, 200);
      assert.deepEqual(
        page.body.data.map((row) => [row.holdId, row.unit, row.amount, row.member, row.expiresAt, row.createdAt]),
        [
          [first, "credits", "30", null, new Date(START + 600_000).toISOString(), new Date(START).toISOString()],
          [
            second,
            "credits",
            "5",
            "ann",
            new Date(START + 1 + 60_000).toISOString(),
            new Date(START + 1).toISOString(),
          ],
          [third, "credits", "7", null, new Date(START + 2 + 600_000).toISOString(), new Date(START + 2).toISOString()],
        ],
      );
      assert.equal(page.body.nextCursor, null);

      const one = await api.call<HoldPage>("GET", "/v1/accounts/organization:acme/holds?limit=2");
      assert.deepEqual(
        one.body.data.map((row) => row.holdId),
        [first, second],
      );
      assert.equal(one.body.nextCursor, second);
      const next = await api.call<HoldPage>("GET", `/v1/accounts/organization:acme/holds?limit=2&after=${second}`);
      assert.deepEqual([next.body.data.map((row) => row.holdId), next.body.nextCursor], [[third], null]);

      assert.equal((await api.call("POST", `/v1/holds/${third}/release`, {})).status, 200);
      nowMs = START + 1 + 60_000; // the second hold's expiry: no longer active, swept or not
      const left = await api.call<HoldPage>("GET", "/v1/accounts/organization:acme/holds");
      assert.deepEqual(
        left.body.data.map((row) => [row.holdId, row.amount]),
        [[first, "30"]],
      );
      const balances = await api.call<{ data: Array<{ held: string }> }>(
        "GET",
        "/v1/accounts/organization:acme/balances",
      );
      assert.equal(balances.body.data[0]?.held, "30", "the list adds up to the held figure");
    });

    test("an account with none has an empty page; an unknown one is 404; bad input is 400", async () => {
      await api.ledger.ensureAccount({ type: "user", externalId: "bob" });
      assert.deepEqual((await api.call<HoldPage>("GET", "/v1/accounts/user:bob/holds")).body.data, []);
      const missing = await api.call<ErrorAnswer>("GET", "/v1/accounts/user:nobody/holds");
      assert.equal(missing.status, 404);
      for (const query of ["limit=0", "limit=201", "after=hold_x", "status=active"]) {
        const answer = await api.call<ErrorAnswer>("GET", `/v1/accounts/user:bob/holds?${query}`);
        assert.equal(answer.status, 400, query);
        assert.equal(answer.body.error.code, "invalid_request");
      }
    });

    test("a customer token reads its own account's holds, and another's is 404", async () => {
      const bob = await api.ledger.ensureAccount({ type: "user", externalId: "bob" });
      const token = (await api.keys.create({ kind: "customer", accountId: bob.accountId })).token;
      assert.equal((await api.call("GET", "/v1/accounts/user:bob/holds", undefined, { token })).status, 200);
      assert.equal((await api.call("GET", "/v1/accounts/organization:acme/holds", undefined, { token })).status, 404);
    });
  });
}
