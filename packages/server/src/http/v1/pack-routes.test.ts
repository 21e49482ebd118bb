// GET /v1/packs and POST /v1/accounts/{account}/packs on both databases: a pack bought outside
// Stripe grants its lot once, guests and unknown packs are refused, and a refusal writes nothing.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { EMPTY_PLAN_CATALOG, type PackDefinition } from "@tollgate/core";
import { Webhooks } from "@tollgate/store";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

const DAY_MS = 86_400_000;
const NOW = new Date("2027-05-01T12:00:00.000Z");
const starter: PackDefinition = {
  id: "starter",
  name: "Starter",
  unit: "credits",
  amountMinor: 999n,
  bonusPercent: "10",
  expiresInMs: 365 * DAY_MS,
  price: { amountMinor: 500n, currency: "usd" },
  stripePriceId: null,
};
const forever: PackDefinition = { ...starter, id: "forever", name: "Forever", bonusPercent: "0", expiresInMs: null };

for (const database of await testDatabases()) {
  describe(`packs without Stripe on ${database.name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await openTestApi(database, {
        clock: () => NOW,
        catalog: { ...EMPTY_PLAN_CATALOG, packs: [starter, forever] },
      });
    });
    after(() => api.close());

    const buy = (account: string, body: object, key?: string | null) =>
      api.call<ErrorAnswer & Record<string, unknown>>(
        "POST",
        `/v1/accounts/${account}/packs`,
        body,
        key === undefined ? {} : { key },
      );
    const transactionCount = async () =>
      (await api.ledger.sql.query<{ count: bigint }>("select count(*)::bigint as count from transactions"))[0]?.count;

    test("GET /v1/packs says what one purchase of each pack grants (lotAmount)", async () => {
      const { status, body } = await api.call<{ data: Array<Record<string, unknown>> }>("GET", "/v1/packs");
      assert.equal(status, 200);
      assert.deepEqual(body.data[0], {
        id: "starter",
        name: "Starter",
        unit: "credits",
        amount: "999",
        bonusPercent: "10",
        lotAmount: "1098",
        expiresInMs: 365 * DAY_MS,
        price: { amount: "5.00", currency: "usd" },
        stripePriceId: null,
        stripeLookupKey: "tollgate_pack_starter",
      });
      assert.equal(body.data[1]?.expiresInMs, null);
    });

    test("grants the pack's lot with its bonus and expiry, once per Idempotency-Key, and sends pack.purchased", async () => {
      const first = await buy("user:alice", { pack: "starter" }, "order-1");
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.packId, "starter");
      assert.equal(first.body.amount, "1098", "999 plus 10% rounded down");
      assert.equal(first.body.balance, "1098");
      assert.equal(first.body.expiresAt, new Date(NOW.getTime() + 365 * DAY_MS).toISOString());
      const again = await buy("user:alice", { pack: "starter" }, "order-1");
      assert.equal(again.status, 200);
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      assert.equal(again.body.transactionId, first.body.transactionId);
      const balances = await api.ledger.getBalances({ type: "user", externalId: "alice" }, { unit: "credits" });
      assert.equal(balances?.[0]?.balanceMinor, 1098n);
      assert.equal(balances?.[0]?.lots[0]?.source, "pack");

      const events = await Webhooks.of(api.ledger).listEvents({ accountId: String(first.body.accountId), limit: 10 });
      const purchased = events.items.filter((event) => event.type === "pack.purchased");
      assert.equal(purchased.length, 1);
      assert.equal(purchased[0]?.data.packId, "starter");
      assert.equal(purchased[0]?.data.lotId, first.body.lotId);

      const never = await buy("user:alice", { pack: "forever" });
      assert.equal(never.body.expiresAt, null);
      assert.equal(never.body.balance, "2097");
    });

    test("a guest is refused (guest_cannot_purchase) and no account is left behind", async () => {
      const before = await transactionCount();
      const { status, body } = await buy("guest:visitor", { pack: "starter" });
      assert.equal(status, 403);
      assert.equal(body.error.code, "forbidden");
      assert.equal(body.error.details.reason, "guest_cannot_purchase");
      assert.equal(await api.ledger.accounts.find({ type: "guest", externalId: "visitor" }), null);
      assert.equal(await transactionCount(), before);
    });

    test("an unknown pack is a 404 naming the packs there are; bad bodies are 400s; nothing is written", async () => {
      const before = await transactionCount();
      const unknown = await buy("user:bob", { pack: "mega" });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.details.reason, "pack_not_found");
      assert.match(unknown.body.error.message, /No pack "mega" in the configuration \(it has starter, forever\)/);
      for (const [body, field] of [
        [{}, "pack"],
        [{ pack: "Starter!" }, "pack"],
        [{ pack: "starter", amount: "5" }, "amount"],
      ] as const) {
        const refused = await buy("user:bob", body);
        assert.equal(refused.status, 400, JSON.stringify(body));
        assert.equal(refused.body.error.details.fields?.[0]?.field, field);
      }
      const noKey = await buy("user:bob", { pack: "starter" }, null);
      assert.equal(noKey.status, 400);
      assert.equal(noKey.body.error.details.fields?.[0]?.field, "Idempotency-Key");
      assert.equal(await api.ledger.accounts.find({ type: "user", externalId: "bob" }), null);
      assert.equal(await transactionCount(), before);
    });
  });
}
