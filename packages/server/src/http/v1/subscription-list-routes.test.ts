// Subscriptions across accounts over HTTP on both databases: account id order, by plan and by
// status, a page at a time, each with its account; the refusals.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { PlanCatalog } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

const catalog: PlanCatalog = {
  plans: [
    testPlan({ id: "starter", name: "Starter" }),
    testPlan({ id: "pro", name: "Pro", allocations: [allocation({ amountMinor: 1000n })], cancel: "now" }),
  ],
  packs: [],
  defaultPlans: {},
};

type Listed = {
  id: string;
  accountId: string;
  plan: string;
  planVersion: number;
  status: string;
  account: { id: string; type: string; externalId: string };
};
type Page = { data: Listed[]; nextCursor: string | null };

for (const database of await testDatabases()) {
  describe(`GET /v1/subscriptions on ${database.name}`, () => {
    let api: TestApi;
    /** External ids in account id order, as the list pages them. */
    let order: string[] = [];
    before(async () => {
      api = await openTestApi(database, { catalog });
      const subscribed: Array<[string, string]> = [
        ["organization:acme", "pro"],
        ["user:alice", "starter"],
        ["user:bob", "pro"],
      ];
      for (const [account, plan] of subscribed) {
        assert.equal((await api.call("POST", `/v1/accounts/${account}/subscription`, { plan })).status, 200);
      }
      assert.equal((await api.call("POST", "/v1/accounts/user:bob/subscription/cancel")).status, 200);
      await api.ledger.ensureAccount({ type: "user", externalId: "carol" }); // no subscription
      const accounts = await api.call<{ data: Array<{ id: string; externalId: string }> }>("GET", "/v1/accounts");
      order = accounts.body.data.map((account) => account.externalId).filter((id) => id !== "carol");
    });
    after(() => api.close());
    const summary = (page: Page) => page.data.map((row) => [row.account.externalId, row.plan, row.status]);

    test("every subscription, canceled included, in account id order with its account", async () => {
      const page = await api.call<Page>("GET", "/v1/subscriptions");
      assert.equal(page.status, 200);
      const expected: Record<string, [string, string]> = {
        acme: ["pro", "active"],
        alice: ["starter", "active"],
        bob: ["pro", "canceled"],
      };
      assert.deepEqual(
        summary(page.body),
        order.map((externalId) => [externalId, ...(expected[externalId] ?? [])]),
      );
      const acme = page.body.data.find((row) => row.account.externalId === "acme");
      assert.equal(acme?.account.type, "organization");
      assert.equal(acme?.account.id, acme?.accountId);
      assert.equal(acme?.planVersion, 1);
      assert.match(acme?.id ?? "", /^sub_/);
      assert.equal(page.body.nextCursor, null);
    });

    test("by plan, by status, both, and a page at a time", async () => {
      const pro = await api.call<Page>("GET", "/v1/subscriptions?plan=pro");
      assert.deepEqual(
        summary(pro.body).map(([externalId]) => externalId),
        order.filter((externalId) => externalId !== "alice"),
      );
      const canceled = await api.call<Page>("GET", "/v1/subscriptions?status=canceled");
      assert.deepEqual(summary(canceled.body), [["bob", "pro", "canceled"]]);
      const activePro = await api.call<Page>("GET", "/v1/subscriptions?plan=pro&status=active");
      assert.deepEqual(summary(activePro.body), [["acme", "pro", "active"]]);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: Page } = await api.call<Page>(
          "GET",
          `/v1/subscriptions?limit=1${cursor ? `&after=${cursor}` : ""}`,
        );
        seen.push(...page.body.data.map((row) => row.account.externalId));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, order);
      assert.deepEqual((await api.call<Page>("GET", "/v1/subscriptions?plan=nobody")).body, {
        data: [],
        nextCursor: null,
      });
    });

    test("bad input is 400; a customer token is 403", async () => {
      for (const query of ["status=paused", "plan=Pro!", "limit=0", "limit=201", "after=acct_1", "sort=plan"]) {
        const answer = await api.call<ErrorAnswer>("GET", `/v1/subscriptions?${query}`);
        assert.equal(answer.status, 400, query);
        assert.equal(answer.body.error.code, "invalid_request");
      }
      const alice = await api.ledger.ensureAccount({ type: "user", externalId: "alice" });
      const token = (await api.keys.create({ kind: "customer", accountId: alice.accountId })).token;
      assert.equal((await api.call("GET", "/v1/subscriptions", undefined, { token })).status, 403);
    });
  });
}
