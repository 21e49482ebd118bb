// GET /v1/accounts/{account}/transactions on both databases: every line says what it was for.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { definePricingConfig } from "@tollgate/metering";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

type Line = Record<string, string | null>;

for (const database of await testDatabases()) {
  describe(`GET /v1/accounts/{account}/transactions on ${database.name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await openTestApi(database, {
        pricing: definePricingConfig({ features: { summarize: { unit: "credits", costMinor: 3n } } }),
      });
    });
    after(() => api.close());

    const page = async (account: string, query = "") =>
      (
        await api.call<{ accountId: string; data: Line[]; nextCursor: string | null }>(
          "GET",
          `/v1/accounts/${account}/transactions${query}`,
        )
      ).body;

    test("a grant's source and expiry, a charge's feature or model and usage event, an admin line's reason", async () => {
      const promo = (
        await api.call("POST", "/v1/accounts/user:alice/grants", { amount: "100", source: "promo", expiresIn: "30d" })
      ).body;
      await api.call("POST", "/v1/accounts/user:alice/grants", { amount: "5", source: "admin", reason: "goodwill" });
      const feature = (await api.call("POST", "/v1/charges", { account: "user:alice", feature: "summarize" })).body;
      const call = (
        await api.call("POST", "/v1/usage-events", {
          account: "user:alice",
          provider: "openai",
          model: "gpt-4o",
          usage: { inputTokens: 1000, outputTokens: 100 },
        })
      ).body;
      const hold = (await api.call("POST", "/v1/holds", { account: "user:alice", amount: "10" })).body;
      const settled = (
        await api.call("POST", "/v1/usage-events", {
          account: "user:alice",
          provider: "openai",
          model: "gpt-4o-mini",
          usage: { inputTokens: 1000 },
          holdId: hold.holdId,
        })
      ).body;
      const deducted = await api.ledger.deduct({
        account: { type: "user", externalId: "alice" },
        amountMinor: 2n,
        reason: "chargeback",
        idempotencyKey: "deduct-1",
      });
      assert.ok(deducted.ok);

      const { accountId, data } = await page("user:alice");
      assert.match(accountId, /^acct_/);
      const pick = (line: Line | undefined) =>
        line && [line.kind, line.source, line.reason, line.usageEventId, line.feature, line.provider, line.model];
      const byTransaction = (id: unknown) => data.find((line) => line.transactionId === id);
      assert.deepEqual(pick(data[0]), ["deduction", "promo", "chargeback", null, null, null, null]);
      assert.deepEqual(pick(byTransaction(settled.transactionId)), [
        "settle",
        "promo",
        null,
        settled.usageEventId,
        null,
        "openai",
        "gpt-4o-mini",
      ]);
      assert.deepEqual(pick(byTransaction(call.transactionId)), [
        "charge",
        "promo",
        null,
        call.usageEventId,
        null,
        "openai",
        "gpt-4o",
      ]);
      assert.deepEqual(pick(byTransaction(feature.transactionId)), [
        "charge",
        "promo",
        null,
        feature.usageEventId,
        "summarize",
        null,
        null,
      ]);
      const grants = data.filter((line) => line.kind === "grant");
      assert.deepEqual(
        grants.map((line) => [line.source, line.reason, line.expiresAt, line.amount]),
        [
          ["admin", "goodwill", null, "5"],
          ["promo", null, promo.expiresAt, "100"],
        ],
      );
      assert.ok(promo.expiresAt && Date.parse(promo.expiresAt as string) > Date.now() + 29 * 86_400_000);
    });

    test("an organization's line names the member who drew", async () => {
      await api.call("POST", "/v1/accounts/organization:acme/grants", { amount: "50", source: "purchase" });
      await api.call("POST", "/v1/accounts/organization:acme/members", { member: "bob" });
      await api.call("POST", "/v1/charges", { account: "organization:acme", member: "bob", amount: "4" });
      const [line] = (await page("organization:acme")).data;
      assert.deepEqual([line?.kind, line?.member, line?.amount], ["charge", "bob", "-4"]);
    });

    test("pages newest first by cursor; a forged cursor or an unknown unit is 400 naming it", async () => {
      const first = await page("user:alice", "?limit=2");
      assert.equal(first.data.length, 2);
      assert.ok(first.nextCursor);
      const second = await page("user:alice", `?limit=2&before=${first.nextCursor}`);
      assert.ok(Number(second.data[0]?.entryId) < Number(first.data[1]?.entryId));
      for (const [query, field] of [
        ["?before=garbage", "before"],
        ["?unit=doubloons", "unit"],
        ["?limit=501", "limit"],
      ] as const) {
        const answer = await api.call<ErrorAnswer>("GET", `/v1/accounts/user:alice/transactions${query}`);
        assert.equal(answer.status, 400, query);
        assert.equal(answer.body.error.details.fields?.[0]?.field, field);
      }
    });
  });
}
