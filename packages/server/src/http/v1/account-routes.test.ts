// POST /v1/accounts/{account}/grants on both databases: an expiry as a time (expiresAt) or a
// duration (expiresIn, as the CLI's --expires-in), not both.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

const DAY_MS = 86_400_000;

for (const database of await testDatabases()) {
  describe(`POST /v1/accounts/{account}/grants on ${database.name}`, () => {
    let api: TestApi;
    // The ledger's clock, moved by hand.
    let elapsedMs = 0;
    const startMs = Date.now();
    before(async () => {
      api = await openTestApi(database, { clock: () => new Date(startMs + elapsedMs) });
    });
    after(() => api.close());

    const grant = (body: object, key?: string) =>
      api.call<ErrorAnswer & Record<string, unknown>>(
        "POST",
        "/v1/accounts/user:alice/grants",
        body,
        key ? { key } : {},
      );

    test("expiresIn is a duration from now; expiresAt a time; none never expires", async () => {
      const before = api.ledger.now().getTime();
      const inThirty = await grant({ amount: "10", source: "promo", expiresIn: "30d" });
      assert.equal(inThirty.status, 200);
      const after = api.ledger.now().getTime();
      const expiresAt = Date.parse(inThirty.body.expiresAt as string);
      assert.ok(expiresAt >= before + 30 * DAY_MS && expiresAt <= after + 30 * DAY_MS);
      assert.match(String(inThirty.body.accountId), /^acct_/);
      const at = await grant({ amount: "10", source: "promo", expiresAt: "2099-01-31T00:00:00Z" });
      assert.equal(at.body.expiresAt, "2099-01-31T00:00:00.000Z");
      const never = await grant({ amount: "10", source: "promo" });
      assert.equal(never.body.expiresAt, null);
      const lots = (
        await api.call<{ data: Array<{ lots: Array<{ expiresAt: string | null }> }> }>(
          "GET",
          "/v1/accounts/user:alice/balances",
        )
      ).body.data[0]?.lots;
      assert.deepEqual(
        lots?.map((lot) => lot.expiresAt).sort(),
        [inThirty.body.expiresAt, "2099-01-31T00:00:00.000Z", null].sort(),
      );
    });

    test("the ledger replays a retry of an expiresIn grant, though the expiry it computes has moved", async () => {
      // Another secret key has its own stored answers, so its request with the same key reaches
      // the ledger, as a retry does after a 5xx: the ledger's key stands for the request as sent.
      const other = (await api.keys.create({ kind: "secret", name: "second backend" })).token;
      const body = { amount: "3", source: "promo", expiresIn: "12h" };
      const first = await grant(body, "grant-retry");
      elapsedMs += 60_000;
      const again = await api.call("POST", "/v1/accounts/user:alice/grants", body, {
        key: "grant-retry",
        token: other,
      });
      assert.equal(again.status, 200);
      assert.equal(again.headers.get("idempotent-replayed"), null, "not the HTTP layer's replay");
      assert.deepEqual(
        [again.body.transactionId, again.body.lotId, again.body.balance],
        [first.body.transactionId, first.body.lotId, first.body.balance],
      );
    });

    test("both, a malformed duration, or an expiry in the past is 400 naming the field; nothing is granted", async () => {
      const balance = async () => (await api.call("GET", "/v1/accounts/user:alice/balances")).body;
      const before = await balance();
      for (const [body, field] of [
        [{ expiresAt: "2099-01-31T00:00:00Z", expiresIn: "30d" }, "expiresIn"],
        [{ expiresIn: "30" }, "expiresIn"],
        [{ expiresIn: "0d" }, "expiresIn"],
        [{ expiresIn: "9999d" }, "expiresIn"],
        [{ expiresAt: "tomorrow" }, "expiresAt"],
        [{ expiresIn: "30d", expiresInDays: 30 }, "expiresInDays"],
      ] as const) {
        const answer = await grant({ amount: "1", source: "promo", ...body });
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.body.error.details.fields?.[0]?.field, field, JSON.stringify(answer.body.error));
      }
      const past = await grant({ amount: "1", source: "promo", expiresAt: "2001-01-01T00:00:00Z" });
      assert.deepEqual([past.status, past.body.error.details.reason], [400, "invalid_expiry"]);
      assert.deepEqual(await balance(), before);
    });
  });
}
