// An assistant whose actions each cost a fixed number of tokens (a reply 100, code 250, an image
// analysis 500), where one customer may pay its own price for an action, support grants and
// takes back tokens with a reason, and every balance is explained line by line — the
// configuration in docs/operating/examples/assistant-actions-with-fixed-costs.json, driven
// through the HTTP API only, on both databases.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { type CustomerServer, errorOf, startCustomerServer } from "./customer-server.ts";

interface Charged {
  amount: string;
  balance: string;
  usageEventId: string | null;
}
interface Balances {
  data: Array<{ unit: string; balance: string; available: string }>;
}
interface Transactions {
  data: Array<{ kind: string; amount: string; reason: string | null }>;
}

for (const database of await testDatabases()) {
  describe(`an assistant with fixed-cost actions on ${database.name}`, () => {
    let app: CustomerServer;
    before(async () => {
      app = await startCustomerServer(database, "assistant-actions-with-fixed-costs");
    });
    after(() => app.close());

    test("a new user starts with 5,000 tokens and pays each action's cost", async () => {
      await app.ok("POST", "/v1/accounts", { type: "user", externalId: "u_1" });
      const reply = await app.ok<Charged>("POST", "/v1/charges", { account: "user:u_1", feature: "chat_conversation" });
      assert.deepEqual([reply.amount, reply.balance], ["100", "4900"]);
      assert.ok(reply.usageEventId, "the charge records its usage event");
      const code = await app.ok<Charged>("POST", "/v1/charges", { account: "user:u_1", feature: "code_generation" });
      assert.deepEqual([code.amount, code.balance], ["250", "4650"]);
    });

    test("one customer pays its own price for an action until the override is removed", async () => {
      await app.ok("POST", "/v1/accounts", { type: "user", externalId: "u_42" });
      const set = await app.ok<{ cost: string; featureCost: string }>(
        "POST",
        "/v1/accounts/user:u_42/feature-overrides/code_generation",
        { cost: "100" },
      );
      assert.deepEqual([set.cost, set.featureCost], ["100", "250"]);
      const listed = await app.ok<{ data: Array<{ feature: string; cost: string }> }>(
        "GET",
        "/v1/accounts/user:u_42/feature-overrides",
      );
      assert.deepEqual(
        listed.data.map((row) => [row.feature, row.cost]),
        [["code_generation", "100"]],
      );
      const discounted = await app.ok<Charged>("POST", "/v1/charges", {
        account: "user:u_42",
        feature: "code_generation",
      });
      assert.equal(discounted.amount, "100");
      await app.ok("DELETE", "/v1/accounts/user:u_42/feature-overrides/code_generation");
      const full = await app.ok<Charged>("POST", "/v1/charges", { account: "user:u_42", feature: "code_generation" });
      assert.equal(full.amount, "250");
      assert.equal(
        errorOf(await app.call("DELETE", "/v1/accounts/user:u_42/feature-overrides/nope"), 404).details.reason,
        "feature_not_found",
      );
    });

    test("support grants and deducts with a reason, and the history says why", async () => {
      await app.ok("POST", "/v1/accounts", { type: "user", externalId: "u_7" });
      await app.ok("POST", "/v1/accounts/user:u_7/grants", {
        amount: "1000",
        source: "admin",
        reason: "goodwill: outage on May 3",
      });
      await app.ok("POST", "/v1/accounts/user:u_7/deductions", { amount: "300", reason: "chargeback 8812" });
      const refused = await app.call("POST", "/v1/accounts/user:u_7/deductions", { amount: "300" });
      assert.equal(errorOf(refused, 400).code, "invalid_request", "a deduction needs its reason");
      const balances = await app.ok<Balances>("GET", "/v1/accounts/user:u_7/balances");
      assert.equal(balances.data[0]?.balance, "5700");
      const history = await app.ok<Transactions>("GET", "/v1/accounts/user:u_7/transactions");
      const reasons = history.data.map((line) => line.reason).filter(Boolean);
      assert.deepEqual(reasons, ["chargeback 8812", "goodwill: outage on May 3"]);
    });

    test("an action the balance cannot cover is refused, names the unit, and charges nothing", async () => {
      await app.ok("POST", "/v1/accounts", { type: "user", externalId: "u_poor" });
      await app.ok("POST", "/v1/accounts/user:u_poor/deductions", { amount: "4800", reason: "test: nearly empty" });
      const refused = errorOf(
        await app.call("POST", "/v1/charges", { account: "user:u_poor", feature: "image_analysis" }),
        402,
      );
      assert.deepEqual(
        [refused.code, refused.details.unit, refused.details.required, refused.details.available],
        ["insufficient_credits", "tokens", "500", "200"],
      );
      const balances = await app.ok<Balances>("GET", "/v1/accounts/user:u_poor/balances");
      assert.equal(balances.data[0]?.balance, "200");
    });

    test("the whole ledger reconciles", async () => {
      assert.equal((await app.ok<{ ok: boolean }>("GET", "/v1/reconcile")).ok, true);
    });
  });
}
