// Usage reports and one conversation's cost over HTTP, on both databases: every counter of a
// call comes back, in the unit's scale, for the backend and for the account's own customer token.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { definePricingConfig } from "@tollgate/metering";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

interface Row {
  key: string | null;
  unit: string;
  calls: number;
  inputTokens: string;
  cacheReadTokens: string;
  outputTokens: string;
  reasoningTokens: string;
  charged: string;
}

for (const database of await testDatabases()) {
  describe(`usage reports and conversations on ${database.name}`, () => {
    let api: TestApi;
    let customerToken = "";
    before(async () => {
      api = await openTestApi(database, {
        ledger: defineLedgerConfig({ units: [{ unit: "usd", scale: 6 }], defaultUnit: "usd" }),
        pricing: definePricingConfig({ unit: "usd", creditsPerUsd: "1" }),
      });
      await api.call("POST", "/v1/accounts/user:alice/grants", { amount: "10", source: "promo" });
      const alice = await api.ledger.accounts.find({ type: "user", externalId: "alice" });
      customerToken = (await api.keys.create({ kind: "customer", accountId: alice?.accountId ?? "" })).token;
      for (const [conversationId, usage] of [
        ["chat-1", { inputTokens: 500, outputTokens: 500 }],
        ["chat-1", { inputTokens: 1000, cacheReadTokens: 200, outputTokens: 10, reasoningTokens: 5 }],
        ["chat-2", { inputTokens: 10, outputTokens: 10 }],
      ] as const) {
        const recorded = await api.call("POST", "/v1/usage-events", {
          account: "user:alice",
          provider: "openai",
          model: "gpt-4o-mini",
          usage,
          conversationId,
        });
        assert.equal(recorded.status, 200, JSON.stringify(recorded.body));
      }
    });
    after(() => api.close());

    test("a report by conversation carries every counter and the charge in the unit's scale", async () => {
      const report = await api.call<{ data: Row[] }>("GET", "/v1/accounts/user:alice/usage?groupBy=conversation");
      assert.equal(report.status, 200);
      const chat1 = report.body.data.find((row) => row.key === "chat-1");
      assert.deepEqual(
        [chat1?.calls, chat1?.inputTokens, chat1?.cacheReadTokens, chat1?.outputTokens, chat1?.reasoningTokens],
        [2, "1500", "200", "510", "5"],
      );
      assert.match(chat1?.charged ?? "", /^0\.\d{6}$/);
    });

    test("one conversation's cost, for the backend and for the customer's own token", async () => {
      const conversation = await api.call<{ conversationId: string; calls: number; data: Row[] }>(
        "GET",
        "/v1/accounts/user:alice/conversations/chat-2",
      );
      assert.equal(conversation.status, 200);
      assert.deepEqual([conversation.body.conversationId, conversation.body.calls], ["chat-2", 1]);
      assert.deepEqual(
        conversation.body.data.map((row) => [row.unit, row.inputTokens, row.outputTokens]),
        [["usd", "10", "10"]],
      );
      const asCustomer = await api.call("GET", "/v1/accounts/user:alice/conversations/chat-2", undefined, {
        token: customerToken,
      });
      assert.deepEqual(asCustomer.body, conversation.body);
      const missing = await api.call<ErrorAnswer>("GET", "/v1/accounts/user:alice/conversations/chat-9");
      assert.deepEqual([missing.status, missing.body.error.details.reason], [404, "conversation_not_found"]);
    });
  });
}
