// Every write that may create an account, on both databases: a refusal stores nothing, not even
// the account or its signup grant; an accepted first write creates the account and draws on the
// signup grant it starts with.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { definePricingConfig } from "@tollgate/metering";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

const SIGNUP = [{ unit: "credits", amountMinor: 100n, expiresInMs: null }];

for (const database of await testDatabases()) {
  describe(`refused writes create no account on ${database.name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await openTestApi(database, {
        ledger: { signupGrants: { user: SIGNUP, organization: SIGNUP, guest: SIGNUP } },
        pricing: definePricingConfig({
          features: { summarize: { unit: "credits", costMinor: 3n }, render: { unit: "credits", costMinor: 500n } },
        }),
      });
    });
    after(() => api.close());

    /** The account is nowhere: its read is 404 and no list shows it. */
    const assertNoAccount = async (account: string) => {
      const read = await api.call<ErrorAnswer>("GET", `/v1/accounts/${account}`);
      assert.equal(read.status, 404, `${account} was created`);
      const externalId = account.slice(account.indexOf(":") + 1);
      const list = await api.call<{ data: unknown[] }>("GET", `/v1/accounts?search=${externalId}`);
      assert.deepEqual(list.body.data, []);
    };

    const refusals: Array<[string, string, string, unknown, number, string]> = [
      [
        "a charge over the balance",
        "user:new-a",
        "/v1/charges",
        { account: "user:new-a", amount: "5000" },
        402,
        "insufficient_credits",
      ],
      [
        "a charge by a member the organization does not have",
        "organization:new-b",
        "/v1/charges",
        { account: "organization:new-b", amount: "5", member: "nobody" },
        404,
        "member_not_found",
      ],
      [
        "a feature charge over the balance",
        "user:new-c",
        "/v1/charges",
        { account: "user:new-c", feature: "render" },
        402,
        "insufficient_credits",
      ],
      [
        "a charge of a feature that does not exist",
        "user:new-d",
        "/v1/charges",
        { account: "user:new-d", feature: "nothing" },
        400,
        "feature_not_found",
      ],
      [
        "a hold over the balance",
        "user:new-e",
        "/v1/holds",
        { account: "user:new-e", amount: "5000" },
        402,
        "insufficient_credits",
      ],
      [
        "a grant that has already expired",
        "user:new-f",
        "/v1/accounts/user:new-f/grants",
        { amount: "5", source: "promo", expiresAt: "2000-01-01T00:00:00Z" },
        400,
        "invalid_expiry",
      ],
      [
        "a model call's charge over the balance",
        "guest:new-g",
        "/v1/usage-events",
        { account: "guest:new-g", provider: "openai", model: "gpt-4o", usage: { inputTokens: 100_000_000 } },
        402,
        "insufficient_credits",
      ],
      [
        "a deduction",
        "user:new-h",
        "/v1/accounts/user:new-h/deductions",
        { amount: "5", reason: "chargeback" },
        404,
        "not_found",
      ],
      ["a check", "user:new-i", "/v1/check", { account: "user:new-i", feature: "summarize" }, 404, "not_found"],
    ];
    for (const [what, account, path, body, status, code] of refusals) {
      test(`${what} is refused and ${account} does not exist after it`, async () => {
        const answer = await api.call<ErrorAnswer>("POST", path, body);
        assert.equal(answer.status, status, JSON.stringify(answer.body));
        // The public code, or the ledger's reason beside it (member_not_found is a not_found).
        assert.ok(
          [answer.body.error.code, answer.body.error.details.reason].includes(code),
          JSON.stringify(answer.body),
        );
        await assertNoAccount(account);
      });
    }

    test("a refused first write then an accepted one: the account starts once, with one signup grant", async () => {
      const refused = await api.call<ErrorAnswer>("POST", "/v1/charges", { account: "user:new-j", amount: "101" });
      assert.equal(refused.status, 402);
      assert.equal(refused.body.error.details.available, "100", "the refusal counts the signup grant");
      await assertNoAccount("user:new-j");
      const charged = await api.call("POST", "/v1/charges", { account: "user:new-j", amount: "50" });
      assert.equal(charged.status, 200, JSON.stringify(charged.body));
      assert.equal(charged.body.balance, "50");
      const lines = await api.call<{ data: Array<Record<string, unknown>> }>(
        "GET",
        "/v1/accounts/user:new-j/transactions",
      );
      assert.deepEqual(
        lines.body.data.map((line) => [line.kind, line.amount]),
        [
          ["charge", "-50"],
          ["grant", "100"],
        ],
      );
    });

    const accepted: Array<[string, string, string, unknown, string]> = [
      ["a charge", "user:ok-a", "/v1/charges", { account: "user:ok-a", amount: "50" }, "50"],
      ["a feature charge", "user:ok-b", "/v1/charges", { account: "user:ok-b", feature: "summarize" }, "97"],
      ["a hold", "user:ok-c", "/v1/holds", { account: "user:ok-c", amount: "30" }, "100"],
      [
        "a grant",
        "organization:ok-d",
        "/v1/accounts/organization:ok-d/grants",
        { amount: "5", source: "promo" },
        "105",
      ],
      [
        "a model call",
        "guest:ok-e",
        "/v1/usage-events",
        { account: "guest:ok-e", provider: "openai", model: "gpt-4o", usage: { inputTokens: 10 } },
        null as never,
      ],
    ];
    for (const [what, account, path, body, balance] of accepted) {
      test(`${what} on a new account creates it with its signup grant`, async () => {
        const answer = await api.call("POST", path, body);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        const balances = await api.call<{ data: Array<{ balance: string; lots: Array<{ source: string }> }> }>(
          "GET",
          `/v1/accounts/${account}/balances`,
        );
        assert.equal(balances.status, 200);
        const [credits] = balances.body.data;
        if (balance !== null) assert.equal(credits?.balance, balance);
        assert.ok(
          credits?.lots.some((lot) => lot.source === "signup"),
          "the signup grant is there",
        );
      });
    }

    test("ledger invariants hold after refusals and first writes", async () => {
      const report = await api.ledger.reconcile();
      assert.equal(report.ok, true, JSON.stringify(report));
    });
  });
}
