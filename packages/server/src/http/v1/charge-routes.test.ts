// POST /v1/charges on both databases: two forms, each taking only its own fields; a field it
// does not take is refused whole, never dropped; an amount's reason stays in the history.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { definePricingConfig } from "@tollgate/metering";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

for (const database of await testDatabases()) {
  describe(`POST /v1/charges on ${database.name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await openTestApi(database, {
        ledger: {
          units: [
            { unit: "credits", scale: 0 },
            { unit: "goal_generation", scale: 0 },
          ],
        },
        pricing: definePricingConfig({
          features: {
            chat_conversation: { unit: "credits", costMinor: 2n },
            generate_goal: { unit: "goal_generation", costMinor: 3n },
          },
        }),
      });
      await api.call("POST", "/v1/accounts/user:alice/grants", { amount: "1000", source: "promo" });
    });
    after(() => api.close());

    const balances = async () => (await api.call("GET", "/v1/accounts/user:alice/balances")).body;
    const history = async () =>
      (await api.call<{ data: Array<Record<string, unknown>> }>("GET", "/v1/accounts/user:alice/transactions")).body
        .data;

    test("a feature charge with success: false is 400 naming success, and charges nothing", async () => {
      const before = { balances: await balances(), lines: (await history()).length };
      const { status, body } = await api.call<ErrorAnswer>("POST", "/v1/charges", {
        account: "user:alice",
        feature: "chat_conversation",
        success: false,
      });
      assert.equal(status, 400);
      assert.equal(body.error.code, "invalid_request");
      assert.deepEqual(body.error.details.fields, [{ field: "success", message: "unknown field" }]);
      assert.match(body.error.message, /success/);
      assert.deepEqual(await balances(), before.balances);
      assert.equal((await history()).length, before.lines, "no usage event, no transaction");
    });

    test("an amount with a reason is charged and the reason is kept in the account's history", async () => {
      const { status, body } = await api.call("POST", "/v1/charges", {
        account: "user:alice",
        amount: "300",
        reason: "chargeback",
      });
      assert.equal(status, 200);
      assert.equal(body.amount, "300");
      const [line] = await history();
      assert.deepEqual(
        [line?.transactionId, line?.kind, line?.amount, line?.reason],
        [body.transactionId, "charge", "-300", "chargeback"],
      );
    });

    test("each form takes only its own fields: a unit or reason with a feature, metadata with an amount, are 400", async () => {
      const before = await balances();
      for (const [body, field] of [
        [{ feature: "chat_conversation", unit: "credits" }, "unit"],
        [{ feature: "chat_conversation", reason: "why" }, "reason"],
        [{ amount: "1", metadata: { note: "x" } }, "metadata"],
        [{ amount: "1", conversationId: "chat-1" }, "conversationId"],
        [{ amount: "1", feature: "chat_conversation" }, "amount"],
        [{}, "amount"],
        [{ amount: "1", reason: "  " }, "reason"],
      ] as const) {
        const answer = await api.call<ErrorAnswer>("POST", "/v1/charges", { account: "user:alice", ...body });
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.ok(
          answer.body.error.details.fields?.some((named) => named.field === field),
          `${JSON.stringify(body)} names ${field}: ${JSON.stringify(answer.body.error.details.fields)}`,
        );
      }
      assert.deepEqual(await balances(), before);
    });

    test("a 402 names the unit it is short of: the feature's own unit", async () => {
      const { status, body } = await api.call<ErrorAnswer>("POST", "/v1/charges", {
        account: "user:alice",
        feature: "generate_goal",
      });
      assert.equal(status, 402);
      assert.deepEqual(body.error.details, {
        reason: "insufficient_credits",
        unit: "goal_generation",
        required: "3",
        available: "0",
      });
    });
  });
}
