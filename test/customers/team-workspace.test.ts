// A team workspace where an organization holds one balance per feature family (goals, leads,
// strategy, forecasts, general), each feature costs a fixed number of its own unit, plans give
// each family a monthly allocation (a starter organization has every feature blocked, a pro one
// has its buckets), members draw from the organization's balances within caps, and an admin
// screen reads the totals and the next refresh — the configuration in
// docs/operating/examples/team-workspace-per-feature-units.json, driven through the HTTP API
// only, on both databases.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { type CustomerServer, errorOf, startCustomerServer } from "./customer-server.ts";

interface Charged {
  unit: string;
  amount: string;
  balance: string;
}
interface Member {
  member: string;
  limits: Array<{ unit: string; cap: string | null; spent: string; remaining: string | null }>;
}

interface Balances {
  data: Array<{ unit: string; balance: string }>;
}

// The pro plan's monthly allocation per feature family.
const PRO = { forecast: "30", goal_generation: "20", lead_generation: "50", strategy_analysis: "100" };

for (const database of await testDatabases()) {
  describe(`a team workspace with per-feature plans on ${database.name}`, () => {
    let app: CustomerServer;
    before(async () => {
      app = await startCustomerServer(
        database,
        "team-workspace-per-feature-units",
        {},
        { clock: () => new Date("2026-05-14T09:00:00Z") },
      );
      await app.ok("POST", "/v1/accounts", { type: "organization", externalId: "startup" });
      await app.ok("POST", "/v1/accounts", { type: "organization", externalId: "acme" });
      await app.ok("POST", "/v1/accounts/organization:acme/subscription/change", { plan: "pro" });
      await app.ok("POST", "/v1/accounts/organization:acme/members", {
        member: "bob",
        caps: { goal_generation: "5" },
      });
      await app.ok("POST", "/v1/accounts/organization:acme/members", { member: "carol" });
    });
    after(() => app.close());

    test("a starter organization is blocked, not short of credits: the refusal names the plans that allow it", async () => {
      const subscription = await app.ok<{ plan: string }>("GET", "/v1/accounts/organization:startup/subscription");
      assert.equal(subscription.plan, "starter", "every organization starts on the starter plan");
      const refused = errorOf(
        await app.call("POST", "/v1/charges", { account: "organization:startup", feature: "generate_goal" }),
        403,
      );
      assert.equal(refused.code, "feature_not_in_plan");
      assert.deepEqual([refused.details.plan, refused.details.plans], ["starter", ["pro", "enterprise"]]);
      const check = await app.ok<{ allowed: boolean; reason: string; plans: string[] }>("POST", "/v1/check", {
        account: "organization:startup",
        feature: "generate_leads",
      });
      assert.deepEqual(
        [check.allowed, check.reason, check.plans],
        [false, "feature_not_in_plan", ["pro", "enterprise"]],
      );
    });

    test("a pro organization has its per-feature buckets for the month", async () => {
      const balances = await app.ok<Balances>("GET", "/v1/accounts/organization:acme/balances");
      const byUnit = Object.fromEntries(balances.data.map((row) => [row.unit, row.balance]));
      assert.deepEqual(
        Object.fromEntries(Object.keys(PRO).map((unit) => [unit, byUnit[unit]])),
        PRO,
        "the upgrade from starter granted pro's allocation at once",
      );
    });

    test("each feature draws its own unit, for a member of the organization", async () => {
      const goal = await app.ok<Charged>("POST", "/v1/charges", {
        account: "organization:acme",
        feature: "generate_goal",
        member: "bob",
      });
      assert.deepEqual([goal.unit, goal.amount, goal.balance], ["goal_generation", "3", "17"]);
      const leads = await app.ok<Charged>("POST", "/v1/charges", {
        account: "organization:acme",
        feature: "generate_leads",
        member: "carol",
      });
      assert.deepEqual([leads.unit, leads.amount, leads.balance], ["lead_generation", "5", "45"]);
    });

    test("a member's cap is checked before and on the write; the members list shows what each drew", async () => {
      const refused = await app.call("POST", "/v1/charges", {
        account: "organization:acme",
        feature: "generate_goal",
        member: "bob",
      });
      assert.equal(errorOf(refused, 403).details.reason, "member_cap_exceeded", "3 drawn, 3 more is over the cap of 5");
      const members = await app.ok<{ data: Member[] }>("GET", "/v1/accounts/organization:acme/members");
      const bob = members.data.find((member) => member.member === "bob");
      assert.deepEqual(
        bob?.limits.map((limit) => [limit.unit, limit.cap, limit.spent, limit.remaining]),
        [["goal_generation", "5", "3", "2"]],
      );
      await app.ok("POST", "/v1/accounts/organization:acme/members/bob", { caps: { goal_generation: "10" } });
      await app.ok("POST", "/v1/charges", { account: "organization:acme", feature: "generate_goal", member: "bob" });
    });

    test("the app asks before it runs a feature, for a member, and hears what the charge would say", async () => {
      await app.ok("POST", "/v1/accounts/organization:acme/members", {
        member: "erin",
        caps: { goal_generation: "2" },
      });
      const capped = await app.ok<{ allowed: boolean; reason: string | null }>("POST", "/v1/check", {
        account: "organization:acme",
        feature: "generate_goal",
        member: "erin",
      });
      assert.deepEqual([capped.allowed, capped.reason], [false, "member_cap_exceeded"]);
      const open = await app.ok<{ allowed: boolean; required: string }>("POST", "/v1/check", {
        account: "organization:acme",
        feature: "generate_leads",
        member: "erin",
      });
      assert.deepEqual([open.allowed, open.required], [true, "5"]);
    });

    test("a removed member can no longer draw", async () => {
      await app.ok("POST", "/v1/accounts/organization:acme/members", { member: "dave" });
      await app.ok("DELETE", "/v1/accounts/organization:acme/members/dave");
      const refused = await app.call("POST", "/v1/charges", {
        account: "organization:acme",
        feature: "generate_insight",
        member: "dave",
      });
      assert.equal(errorOf(refused, 404).details.reason, "member_not_found");
    });

    test("a feature family that ran out is refused with its own unit, the others go on", async () => {
      await app.ok("POST", "/v1/accounts/organization:acme/deductions", {
        amount: "28",
        unit: "forecast",
        reason: "test: forecasts nearly used up",
      });
      const refused = errorOf(
        await app.call("POST", "/v1/charges", { account: "organization:acme", feature: "forecast_revenue" }),
        402,
      );
      assert.deepEqual([refused.details.required, refused.details.available], ["4", "2"]);
      await app.ok("POST", "/v1/charges", { account: "organization:acme", feature: "analyze_strategy" });
    });

    test("accounts are found by the start of their external id", async () => {
      await app.ok("POST", "/v1/accounts", { type: "organization", externalId: "acme-labs" });
      await app.ok("POST", "/v1/accounts", { type: "organization", externalId: "globex" });
      const found = await app.ok<{ data: Array<{ externalId: string }> }>("GET", "/v1/accounts?search=acme");
      assert.deepEqual(found.data.map((account) => account.externalId).sort(), ["acme", "acme-labs"]);
    });

    test("the admin screen's totals: balance, used and allocated, in total and per feature family", async () => {
      const stats = await app.ok<{
        totalBalance: string;
        totalUsed: string;
        totalAllocated: string;
        byType: Array<{ unit: string; balance: string; used: string; allocated: string }>;
        refreshDate: string | null;
      }>("GET", "/v1/accounts/organization:acme/stats");
      assert.equal(stats.refreshDate, "2026-06-01T00:00:00.000Z", "the buckets refresh on the 1st");
      const goals = stats.byType.find((row) => row.unit === "goal_generation");
      assert.deepEqual([goals?.balance, goals?.used, goals?.allocated], ["14", "6", "20"]);
      const sum = (field: "balance" | "used" | "allocated") =>
        String(stats.byType.reduce((total, row) => total + Number(row[field]), 0));
      assert.deepEqual(
        [stats.totalBalance, stats.totalUsed, stats.totalAllocated],
        [sum("balance"), sum("used"), sum("allocated")],
      );
    });

    test("the whole ledger reconciles", async () => {
      assert.equal((await app.ok<{ ok: boolean }>("GET", "/v1/reconcile")).ok, true);
    });
  });
}
