// A pay-as-you-go chat with a dollar balance: $10.00 on sign-up, every message charged exactly
// what the model cost (micro-dollars, no markup), a message refused unless at least $0.01 is
// available, the estimate shown before sending, each chat's cost shown beside it, and a browser
// that reads its own balance with a customer token — the configuration in
// docs/operating/examples/pay-as-you-go-dollar-balance.json, through the HTTP API only, on both
// databases.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { type CustomerServer, errorOf, startCustomerServer } from "./customer-server.ts";

interface Check {
  allowed: boolean;
  reason: string | null;
  unit: string;
  estimate: string;
  required: string;
  available: string;
}
interface Hold {
  holdId: string;
  amount: string;
  estimate: string;
}
interface Recorded {
  amount: string;
  balance: string;
}

const messages = [{ role: "user", content: "Write a haiku about ledgers." }];
const call = { provider: "openai", model: "gpt-4o-mini", messages, maxTokens: 500 };

for (const database of await testDatabases()) {
  describe(`a pay-as-you-go chat with a dollar balance on ${database.name}`, () => {
    let app: CustomerServer;
    before(async () => {
      app = await startCustomerServer(database, "pay-as-you-go-dollar-balance");
      await app.ok("POST", "/v1/accounts", { type: "user", externalId: "u_1" });
    });
    after(() => app.close());

    test("before sending, the app shows the estimate apart from what must be available", async () => {
      const check = await app.ok<Check>("POST", "/v1/check", { account: "user:u_1", ...call });
      assert.equal(check.allowed, true);
      assert.equal(check.unit, "usd");
      assert.ok(Number(check.estimate) > 0 && Number(check.estimate) < 0.01, `a tiny estimate: ${check.estimate}`);
      assert.equal(check.required, "0.010000", "at least $0.01 must be available, whatever the estimate");
    });

    test("a message holds its estimate, is charged exactly what it cost, and the rest is released", async () => {
      const hold = await app.ok<Hold>("POST", "/v1/holds", { account: "user:u_1", ...call });
      assert.equal(hold.amount, hold.estimate);
      const settled = await app.ok<Recorded>("POST", "/v1/usage-events", {
        account: "user:u_1",
        provider: "openai",
        model: "gpt-4o-mini",
        usage: { inputTokens: 500, outputTokens: 500 },
        holdId: hold.holdId,
        conversationId: "chat-1",
      });
      assert.deepEqual([settled.amount, settled.balance], ["0.000375", "9.999625"]);
      const balances = await app.ok<{ data: Array<{ held: string; available: string }> }>(
        "GET",
        "/v1/accounts/user:u_1/balances",
      );
      assert.deepEqual([balances.data[0]?.held, balances.data[0]?.available], ["0.000000", "9.999625"]);
    });

    test("each chat's cost, as the chat page shows it", async () => {
      await app.ok("POST", "/v1/usage-events", {
        account: "user:u_1",
        provider: "openai",
        model: "gpt-4o-mini",
        usage: { inputTokens: 1000, outputTokens: 100 },
        conversationId: "chat-1",
      });
      const chat = await app.ok<{ calls: number; data: Array<{ unit: string; charged: string }> }>(
        "GET",
        "/v1/accounts/user:u_1/conversations/chat-1",
      );
      assert.equal(chat.calls, 2);
      assert.deepEqual(
        chat.data.map((row) => [row.unit, row.charged]),
        [["usd", "0.000585"]],
      );
    });

    test("under $0.01 available, a message is refused on the write path with 402, in dollars", async () => {
      await app.ok("POST", "/v1/accounts/user:u_1/deductions", { amount: "9.99", reason: "test: almost spent" });
      const check = await app.ok<Check>("POST", "/v1/check", { account: "user:u_1", ...call });
      assert.deepEqual([check.allowed, check.reason], [false, "insufficient_credits"]);
      const refused = errorOf(await app.call("POST", "/v1/holds", { account: "user:u_1", ...call }), 402);
      assert.deepEqual(
        [refused.code, refused.details.unit, refused.details.required],
        ["insufficient_credits", "usd", "0.010000"],
      );
    });

    test("the browser reads its own balance with a customer token, and nobody else's", async () => {
      const minted = await app.ok<{ token: string }>("POST", "/v1/keys", { account: "user:u_1" });
      const own = await app.call("GET", "/v1/accounts/user:u_1/balances", undefined, { token: minted.token });
      assert.equal(own.status, 200);
      await app.ok("POST", "/v1/accounts", { type: "user", externalId: "u_2" });
      const other = await app.call("GET", "/v1/accounts/user:u_2/balances", undefined, { token: minted.token });
      assert.equal(errorOf(other, 404).code, "not_found");
      const write = await app.call(
        "POST",
        "/v1/charges",
        { account: "user:u_1", amount: "1" },
        { token: minted.token },
      );
      assert.equal(errorOf(write, 403).code, "forbidden", "a customer token never writes");
    });

    test("the whole ledger reconciles", async () => {
      assert.equal((await app.ok<{ ok: boolean }>("GET", "/v1/reconcile")).ok, true);
    });
  });
}
