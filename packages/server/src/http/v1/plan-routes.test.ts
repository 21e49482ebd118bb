// The configured plans and packs over HTTP, and the migration of grandfathered subscribers, on
// both databases.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { PlanCatalog, PlanDefinition } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

const units = [
  { unit: "credits", scale: 0 },
  { unit: "usd", scale: 2 },
];
const free = testPlan({ id: "free", name: "Free" });
const pro = testPlan({
  id: "pro",
  name: "Pro",
  price: { amountMinor: 2000n, currency: "usd" },
  allocations: [
    allocation({ amountMinor: 1000n, renewal: "rollover", rolloverCapMinor: 500n }),
    allocation({ unit: "usd", amountMinor: 250n }),
  ],
  models: { allow: ["openai/*"], deny: ["openai/o1*"] },
  overage: { policy: "allow", unit: "usd", limitMinor: 150n },
});
const team = testPlan({
  id: "team",
  name: "Team",
  price: { amountMinor: 9900n, currency: "usd" },
  stripePriceId: "price_team",
});
const catalog: PlanCatalog = {
  plans: [free, pro, team],
  packs: [
    {
      id: "topup",
      name: "Top-up",
      unit: "usd",
      amountMinor: 1050n,
      bonusPercent: "10",
      expiresInMs: null,
      price: { amountMinor: 1000n, currency: "jpy" },
      stripePriceId: null,
    },
  ],
  defaultPlans: {},
};

type PlanAnswer = {
  id: string;
  version: number;
  price: { amount: string; currency: string } | null;
  allocations: Array<{ unit: string; amount: string; renewal: string; rolloverCap: string | null }>;
  models: { allow: string[] | null; deny: string[] };
  overage: { policy: string; unit?: string; limit?: string };
  versions?: Array<{ version: number; subscribers: number }>;
};

for (const database of await testDatabases()) {
  describe(`/v1/plans and /v1/packs on ${database.name}`, () => {
    let api: TestApi;
    let admin = "";
    before(async () => {
      api = await openTestApi(database, { ledger: { units }, catalog });
      admin = (await api.keys.create({ kind: "secret", admin: true, name: "operator" })).token;
    });
    after(() => api.close());

    test("plans list in configuration order, amounts in their unit's scale, a page at a time", async () => {
      const first = await api.call<{ data: PlanAnswer[]; nextCursor: string | null }>("GET", "/v1/plans?limit=2");
      assert.equal(first.status, 200);
      assert.deepEqual(
        first.body.data.map((plan) => plan.id),
        ["free", "pro"],
      );
      assert.equal(first.body.nextCursor, "pro");
      const shown = first.body.data[1];
      assert.equal(shown?.version, 1);
      assert.deepEqual(shown?.price, { amount: "20.00", currency: "usd" });
      assert.deepEqual(shown?.allocations, [
        { unit: "credits", amount: "1000", renewal: "rollover", rolloverCap: "500" },
        { unit: "usd", amount: "2.50", renewal: "reset", rolloverCap: null },
      ]);
      assert.deepEqual(shown?.models, { allow: ["openai/*"], deny: ["openai/o1*"] });
      assert.deepEqual(shown?.overage, { policy: "allow", unit: "usd", limit: "1.50" });
      // Where checkout finds each plan's Stripe price: kept by push under a lookup key, or set by hand.
      const stripe = (await api.call<{ data: PlanAnswer[] }>("GET", "/v1/plans")).body.data.map((plan) => {
        const { stripePriceId, stripeLookupKey } = plan as PlanAnswer & Record<string, unknown>;
        return [plan.id, stripePriceId, stripeLookupKey];
      });
      assert.deepEqual(stripe, [
        ["free", null, null],
        ["pro", null, "tollgate_plan_pro"],
        ["team", "price_team", null],
      ]);
      const rest = await api.call<{ data: PlanAnswer[]; nextCursor: string | null }>("GET", "/v1/plans?after=pro");
      assert.deepEqual(
        rest.body.data.map((plan) => plan.id),
        ["team"],
      );
      assert.equal(rest.body.nextCursor, null);
      const bad = await api.call<ErrorAnswer>("GET", "/v1/plans?after=nope");
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.fields?.[0]?.field, "after");
    });

    test("a plan shows its stored versions with their subscribers; an unknown plan is a 404", async () => {
      assert.equal((await api.call("POST", "/v1/accounts/user:p1/subscription", { plan: "pro" })).status, 200);
      const shown = await api.call<PlanAnswer>("GET", "/v1/plans/pro");
      assert.equal(shown.status, 200);
      assert.deepEqual(
        shown.body.versions?.map(({ version, subscribers }) => ({ version, subscribers })),
        [{ version: 1, subscribers: 1 }],
      );
      const missing = await api.call<ErrorAnswer>("GET", "/v1/plans/enterprise");
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.details.reason, "plan_not_found");
      assert.match(missing.body.error.message, /the configured ones are free, pro, team/);
    });

    test("packs list with their price in the currency's decimals", async () => {
      const packs = await api.call<{ data: Array<Record<string, unknown>> }>("GET", "/v1/packs");
      assert.equal(packs.status, 200);
      assert.deepEqual(packs.body.data, [
        {
          id: "topup",
          name: "Top-up",
          unit: "usd",
          amount: "10.50",
          bonusPercent: "10",
          lotAmount: "11.55",
          expiresInMs: null,
          price: { amount: "1000", currency: "jpy" },
          stripePriceId: null,
          stripeLookupKey: "tollgate_pack_topup",
        },
      ]);
    });

    test("migrate moves the subscribers on older versions to the latest, once; admin keys only", async () => {
      for (const user of ["m1", "m2"]) {
        assert.equal((await api.call("POST", `/v1/accounts/user:${user}/subscription`, { plan: "team" })).status, 200);
      }
      // A new definition of "team", as a restart with an edited configuration stores it.
      const richer: PlanDefinition = testPlan({
        id: "team",
        name: "Team",
        allocations: [allocation({ amountMinor: 300n })],
      });
      const next = { ...catalog, plans: [free, pro, richer] };
      await api.ledger.syncPlanCatalog(next);
      const app = createApp({ ledger: api.ledger, meter: api.meter, keys: api.keys, catalog: next });
      const send = (token: string, key: string, body: unknown) =>
        app.request("/v1/plans/team/migrate", {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": key },
          body: JSON.stringify(body),
        });
      const shown = (await (
        await app.request("/v1/plans/team", { headers: { authorization: `Bearer ${admin}` } })
      ).json()) as PlanAnswer;
      assert.equal(shown.version, 2);
      assert.deepEqual(
        shown.versions?.map(({ version, subscribers }) => ({ version, subscribers })),
        [
          { version: 1, subscribers: 2 },
          { version: 2, subscribers: 0 },
        ],
      );

      const secretOnly = await api.call<ErrorAnswer>("POST", "/v1/plans/team/migrate", {});
      assert.equal(secretOnly.status, 403);
      const badVersion = await send(admin, "bad", { toVersion: 7 });
      assert.equal(badVersion.status, 400);
      const moved = await send(admin, "m-1", { limit: 1 });
      assert.equal(moved.status, 200);
      assert.deepEqual(await moved.json(), { plan: "team", toVersion: 2, moved: 1, refused: [] });
      const rest = await send(admin, "m-2", {});
      assert.deepEqual(await rest.json(), { plan: "team", toVersion: 2, moved: 1, refused: [] });
      const none = await send(admin, "m-3", {});
      assert.deepEqual(await none.json(), { plan: "team", toVersion: 2, moved: 0, refused: [] });
      const subscription = await api.ledger.getSubscription({ type: "user", externalId: "m1" });
      assert.equal(subscription?.planVersion, 2);
      const unknown = await app.request("/v1/plans/enterprise/migrate", {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json", "idempotency-key": "m-4" },
        body: "{}",
      });
      assert.equal(unknown.status, 404);
    });
  });
}
