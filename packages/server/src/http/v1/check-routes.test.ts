// POST /v1/check and GET /v1/accounts/{account}/stats on both databases. A check answers what
// the write would decide, member caps included, writes nothing and needs no Idempotency-Key.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { definePricingConfig } from "@tollgate/metering";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

interface CheckAnswer {
  allowed: boolean;
  reason: string | null;
  unit: string | null;
  estimate: string | null;
  required: string | null;
  available: string | null;
  member: { cap: string | null; available: string | null } | null;
}

for (const database of await testDatabases()) {
  describe(`POST /v1/check and stats on ${database.name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await openTestApi(database, {
        ledger: {
          units: [
            { unit: "credits", scale: 0 },
            { unit: "goal_generation", scale: 0 },
            { unit: "usd", scale: 6 },
          ],
        },
        pricing: definePricingConfig({ features: { summarize: { unit: "credits", costMinor: 3n } } }),
      });
      await api.call("POST", "/v1/accounts/organization:acme/grants", { amount: "100", source: "purchase" });
      await api.call("POST", "/v1/accounts/organization:acme/members", { member: "bob", caps: { credits: "5" } });
      await api.ledger.ensureAccount({ type: "user", externalId: "carol" });
    });
    after(() => api.close());

    const check = async (body: object) => (await api.call<CheckAnswer>("POST", "/v1/check", body, { key: null })).body;
    const balances = async () => (await api.call("GET", "/v1/accounts/organization:acme/balances")).body;

    test("a member's check applies its cap and agrees with the charge that follows; a stranger is not a member", async () => {
      const asBob = { account: "organization:acme", member: "bob", feature: "summarize" };
      const before = await balances();
      const first = await check(asBob);
      assert.deepEqual([first.allowed, first.reason, first.member], [true, null, { cap: "5", available: "5" }]);
      assert.deepEqual(await balances(), before, "a check writes nothing");
      assert.equal((await api.call("POST", "/v1/charges", asBob)).status, 200);

      const second = await check(asBob);
      assert.deepEqual(
        [second.allowed, second.reason, second.member, second.required, second.available],
        [false, "member_cap_exceeded", { cap: "5", available: "2" }, "3", "97"],
      );
      const refused = await api.call<ErrorAnswer>("POST", "/v1/charges", asBob);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.details.reason, second.reason);

      const asCarol = { ...asBob, member: "carol" };
      const stranger = await check(asCarol);
      assert.deepEqual([stranger.allowed, stranger.reason, stranger.member], [false, "member_not_found", null]);
      const strangerCharge = await api.call<ErrorAnswer>("POST", "/v1/charges", asCarol);
      assert.equal(strangerCharge.status, 404);
      assert.equal(strangerCharge.body.error.details.reason, stranger.reason);
      const nobody = await check({ ...asBob, member: "nobody-at-all" });
      assert.equal(nobody.reason, "member_not_found");
    });

    test("it needs no Idempotency-Key, and one sent is ignored: nothing is stored or replayed", async () => {
      const body = { account: "organization:acme", feature: "summarize" };
      const without = await api.call<CheckAnswer>("POST", "/v1/check", body, { key: null });
      assert.equal(without.status, 200);
      const keyed = await api.call<CheckAnswer>("POST", "/v1/check", body, { key: "check-1" });
      assert.equal(keyed.status, 200);
      assert.deepEqual(keyed.body, without.body);
      await api.call("POST", "/v1/charges", { account: "organization:acme", amount: "10" });
      const again = await api.call<CheckAnswer>("POST", "/v1/check", body, { key: "check-1" });
      assert.equal(again.headers.get("idempotent-replayed"), null);
      assert.equal(Number(again.body.available), Number(keyed.body.available) - 10, "answered afresh");
      const malformed = await api.call("POST", "/v1/check", body, { key: "has space" });
      assert.equal(malformed.status, 200);
      // Every other POST still needs one.
      const charge = await api.call<ErrorAnswer>(
        "POST",
        "/v1/charges",
        { account: "organization:acme", amount: "1" },
        {
          key: null,
        },
      );
      assert.equal(charge.status, 400);
      assert.deepEqual(charge.body.error.details.fields, [{ field: "Idempotency-Key", message: "required" }]);
    });

    test("stats: totals as getTokenStats returns them, across units of one scale; null across scales", async () => {
      await api.call("POST", "/v1/accounts/user:dana/grants", { amount: "50", source: "promo" });
      await api.call("POST", "/v1/accounts/user:dana/grants", {
        amount: "20",
        unit: "goal_generation",
        source: "plan",
      });
      await api.call("POST", "/v1/charges", { account: "user:dana", amount: "8" });
      const { status, body } = await api.call("GET", "/v1/accounts/user:dana/stats");
      assert.equal(status, 200);
      assert.deepEqual(
        [body.totalBalance, body.totalUsed, body.totalAllocated, body.refreshDate],
        ["62", "8", "70", null],
      );
      assert.deepEqual(body.byType, body.byUnit);
      assert.deepEqual(body.byUnit, [
        { unit: "credits", balance: "42", available: "42", used: "8", allocated: "50" },
        { unit: "goal_generation", balance: "20", available: "20", used: "0", allocated: "20" },
      ]);
      await api.call("POST", "/v1/accounts/user:dana/grants", { amount: "1.50", unit: "usd", source: "promo" });
      const mixed = (await api.call("GET", "/v1/accounts/user:dana/stats")).body;
      assert.deepEqual([mixed.totalBalance, mixed.totalUsed, mixed.totalAllocated], [null, null, null]);
      assert.equal((mixed.byUnit as unknown[]).length, 3);
    });
  });
}
