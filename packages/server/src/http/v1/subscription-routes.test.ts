// An account's subscription over HTTP on both databases: subscribe, read, change, cancel; the
// refusals that store nothing; customer tokens reading their own only; default plans on
// POST /v1/accounts.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { PlanCatalog } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

const catalog: PlanCatalog = {
  plans: [
    testPlan({ id: "free", name: "Free", allocations: [allocation({ amountMinor: 10n })] }),
    testPlan({ id: "starter", name: "Starter" }),
    testPlan({ id: "pro", name: "Pro", allocations: [allocation({ amountMinor: 1000n })] }),
  ],
  packs: [],
  defaultPlans: { user: "free" },
};

type Change = {
  subscription: {
    plan: string;
    planVersion: number;
    status: string;
    cancelAtPeriodEnd: boolean;
    pendingChange: unknown;
  };
  transactionIds: string[];
  unit: string;
  balance: string;
};

for (const database of await testDatabases()) {
  describe(`/v1/accounts/{account}/subscription on ${database.name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await openTestApi(database, { catalog });
    });
    after(() => api.close());

    /** Rows stored for an external id: whether a refusal left anything behind. */
    const storedFor = async (externalId: string) => {
      const [row] = await api.ledger.sql.query<{ accounts: number; subscriptions: number }>(
        `select (select count(*)::int from accounts where external_id = $1) as accounts,
           (select count(*)::int from subscriptions s join accounts a using (account_id) where a.external_id = $1) as subscriptions`,
        [externalId],
      );
      return row;
    };

    test("subscribe opens the account on the plan (not its default), then read, change and cancel", async () => {
      const subscribed = await api.call<Change>("POST", "/v1/accounts/organization:acme/subscription", {
        plan: "starter",
      });
      assert.equal(subscribed.status, 200);
      assert.equal(subscribed.body.subscription.plan, "starter");
      assert.equal(subscribed.body.balance, "100");
      assert.equal(subscribed.body.transactionIds.length, 1);
      const read = await api.call<{ plan: string; status: string }>(
        "GET",
        "/v1/accounts/organization:acme/subscription",
      );
      assert.equal(read.status, 200);
      assert.equal(read.body.plan, "starter");
      assert.equal(read.body.status, "active");

      const again = await api.call<ErrorAnswer>("POST", "/v1/accounts/organization:acme/subscription", { plan: "pro" });
      assert.equal(again.status, 400);
      assert.equal(again.body.error.details.reason, "already_subscribed");

      const upgraded = await api.call<Change>("POST", "/v1/accounts/organization:acme/subscription/change", {
        plan: "pro",
      });
      assert.equal(upgraded.status, 200);
      assert.equal(upgraded.body.subscription.plan, "pro");
      assert.equal(upgraded.body.balance, "1000", "the difference granted for this period");
      const unchanged = await api.call<ErrorAnswer>("POST", "/v1/accounts/organization:acme/subscription/change", {
        plan: "pro",
      });
      assert.equal(unchanged.status, 400);
      assert.equal(unchanged.body.error.details.reason, "plan_unchanged");

      const canceled = await api.call<Change>("POST", "/v1/accounts/organization:acme/subscription/cancel");
      assert.equal(canceled.status, 200);
      assert.equal(canceled.body.subscription.cancelAtPeriodEnd, true, "test plans cancel at the period's end");
    });

    test("a replayed Idempotency-Key answers the first result; a refused subscribe stores nothing", async () => {
      const first = await api.call<Change>(
        "POST",
        "/v1/accounts/user:replay/subscription",
        { plan: "pro" },
        { key: "s1" },
      );
      const second = await api.call<Change>(
        "POST",
        "/v1/accounts/user:replay/subscription",
        { plan: "pro" },
        { key: "s1" },
      );
      assert.equal(second.status, 200);
      assert.deepEqual(second.body, first.body);
      assert.deepEqual(await storedFor("replay"), { accounts: 1, subscriptions: 1 });

      const unknown = await api.call<ErrorAnswer>("POST", "/v1/accounts/user:nobody/subscription", { plan: "gold" });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.details.reason, "plan_not_found");
      assert.equal(unknown.body.error.details.fields?.[0]?.field, "plan");
      const future = await api.call<ErrorAnswer>("POST", "/v1/accounts/user:nobody/subscription", {
        plan: "pro",
        anchor: new Date(Date.now() + 86_400_000).toISOString(),
      });
      assert.equal(future.status, 400);
      assert.equal(future.body.error.details.reason, "invalid_anchor");
      const extra = await api.call<ErrorAnswer>("POST", "/v1/accounts/user:nobody/subscription", {
        plan: "pro",
        price: "0",
      });
      assert.equal(extra.status, 400);
      const noKey = await api.call<ErrorAnswer>(
        "POST",
        "/v1/accounts/user:nobody/subscription",
        { plan: "pro" },
        { key: null },
      );
      assert.equal(noKey.status, 400);
      assert.equal(noKey.body.error.details.fields?.[0]?.field, "Idempotency-Key");
      assert.deepEqual(await storedFor("nobody"), { accounts: 0, subscriptions: 0 });
    });

    test("change and cancel need an existing account; a read of an unsubscribed one is a 404", async () => {
      const change = await api.call<ErrorAnswer>("POST", "/v1/accounts/user:ghost/subscription/change", {
        plan: "pro",
      });
      assert.equal(change.status, 404);
      const cancel = await api.call<ErrorAnswer>("POST", "/v1/accounts/user:ghost/subscription/cancel");
      assert.equal(cancel.status, 404);
      assert.deepEqual(await storedFor("ghost"), { accounts: 0, subscriptions: 0 });
      await api.call("POST", "/v1/accounts", { type: "guest", externalId: "plain" });
      const none = await api.call<ErrorAnswer>("GET", "/v1/accounts/guest:plain/subscription");
      assert.equal(none.status, 404);
      assert.equal(none.body.error.details.reason, "subscription_not_found");
      const cancelNone = await api.call<ErrorAnswer>("POST", "/v1/accounts/guest:plain/subscription/cancel");
      assert.equal(cancelNone.status, 404);
      assert.equal(cancelNone.body.error.details.reason, "subscription_not_found");
    });

    test("POST /v1/accounts subscribes a new user to the default plan", async () => {
      const created = await api.call<{ id: string; created: boolean }>("POST", "/v1/accounts", {
        type: "user",
        externalId: "newcomer",
      });
      assert.equal(created.body.created, true);
      const read = await api.call<{ plan: string }>("GET", `/v1/accounts/${created.body.id}/subscription`);
      assert.equal(read.body.plan, "free");
      const [balance] = (await api.ledger.getBalances({ accountId: created.body.id }, { fresh: true })) ?? [];
      assert.equal(balance?.balanceMinor, 10n);
    });

    test("a customer token reads its own subscription and plans, nothing else, and writes nothing", async () => {
      const own = await api.ledger.ensureAccount({ type: "user", externalId: "holder" });
      const token = (await api.keys.create({ kind: "customer", accountId: own.accountId })).token;
      assert.equal((await api.call("GET", "/v1/accounts/user:holder/subscription", undefined, { token })).status, 200);
      assert.equal((await api.call("GET", "/v1/plans", undefined, { token })).status, 200);
      assert.equal((await api.call("GET", "/v1/accounts/user:replay/subscription", undefined, { token })).status, 404);
      const write = await api.call("POST", "/v1/accounts/user:holder/subscription/change", { plan: "pro" }, { token });
      assert.equal(write.status, 403);
      assert.equal((await api.ledger.getSubscription({ accountId: own.accountId }))?.planId, "free");
    });
  });
}
