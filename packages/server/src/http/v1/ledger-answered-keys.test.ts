// The Idempotency-Key of a ledger-backed route, claimed and answered in the ledger's own
// transaction, on both databases: replays byte for byte, conflicts, refusals replayed, the same
// key sent at once charging once, an answer given before the ledger stored too, and purge.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HttpIdempotencyStore } from "@tollgate/store";
import { testDatabases } from "@tollgate/store/testing";
import { openTestApi, type TestApi } from "./test-api.ts";

for (const database of await testDatabases()) {
  describe(`Idempotency-Key answered in the ledger on ${database.name}`, () => {
    let api: TestApi;
    let secret: string;
    before(async () => {
      api = await openTestApi(database, { ledger: { units: [{ unit: "credits", scale: 0 }] } });
      secret = (await api.keys.create({ kind: "secret", name: "raw" })).token;
      await api.call("POST", "/v1/accounts/user:ivy/grants", { amount: "100", source: "promo" });
    });
    after(() => api.close());

    /** A charge sent as raw text, answered as raw bytes: a replay must match them exactly. */
    const charge = async (key: string, body: Record<string, unknown>) => {
      const response = await api.app.request("/v1/charges", {
        method: "POST",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify(body),
      });
      return {
        status: response.status,
        text: await response.text(),
        replayed: response.headers.get("idempotent-replayed"),
        contentType: response.headers.get("content-type"),
      };
    };
    const available = async () =>
      (await api.call<{ data: Array<{ available: string }> }>("GET", "/v1/accounts/user:ivy/balances")).body.data[0]
        ?.available;
    const rowOf = async (key: string) => {
      const [row] = await api.ledger.sql.query<{ state: string; response_status: number }>(
        "select state, response_status from http_idempotency_keys where idempotency_key = $1",
        [key],
      );
      return row;
    };

    test("a charge's answer is stored with it and replayed byte for byte, marked replayed", async () => {
      const first = await charge("ivy-1", { account: "user:ivy", amount: "10" });
      assert.equal(first.status, 200);
      assert.equal(first.replayed, null);
      assert.deepEqual(await rowOf("ivy-1"), { state: "done", response_status: 200 });
      const again = await charge("ivy-1", { account: "user:ivy", amount: "10" });
      assert.deepEqual(again, { ...first, replayed: "true" });
      assert.equal(await available(), "90", "charged once");
    });

    test("the same key with another body is 422 idempotency_conflict and charges nothing", async () => {
      await charge("ivy-2", { account: "user:ivy", amount: "5" });
      const before = await available();
      const other = await charge("ivy-2", { account: "user:ivy", amount: "6" });
      assert.equal(other.status, 422);
      assert.equal(JSON.parse(other.text).error.code, "idempotency_conflict");
      assert.match(JSON.parse(other.text).error.message, /POST \/v1\/charges with a different body/);
      assert.equal(await available(), before);
    });

    test("a refusal (402) is stored and replayed as it was, even once the account could pay", async () => {
      const refused = await charge("ivy-3", { account: "user:ivy", amount: "1000" });
      assert.equal(refused.status, 402);
      assert.equal(JSON.parse(refused.text).error.code, "insufficient_credits");
      assert.deepEqual(await rowOf("ivy-3"), { state: "done", response_status: 402 });
      await api.call("POST", "/v1/accounts/user:ivy/grants", { amount: "1000", source: "promo" });
      const again = await charge("ivy-3", { account: "user:ivy", amount: "1000" });
      assert.deepEqual(again, { ...refused, replayed: "true" });
    });

    test("one key sent many times at once charges once: one answer, the others its replays", async () => {
      const before = BigInt((await available()) as string);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => charge("ivy-4", { account: "user:ivy", amount: "7" })),
      );
      assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([200]));
      assert.equal(new Set(answers.map((answer) => answer.text)).size, 1, "every answer is the first one's");
      assert.equal(answers.filter((answer) => answer.replayed === null).length, 1);
      assert.equal(BigInt((await available()) as string), before - 7n);
    });

    test("an answer given before the ledger (a 400) is stored too, and replayed", async () => {
      const invalid = await charge("ivy-5", { account: "user:ivy", amount: "-1" });
      assert.equal(invalid.status, 400);
      assert.deepEqual(await rowOf("ivy-5"), { state: "done", response_status: 400 });
      const again = await charge("ivy-5", { account: "user:ivy", amount: "-1" });
      assert.deepEqual(again, { ...invalid, replayed: "true" });
    });

    test("a key first used on a route of the key store conflicts here, and one used here there", async () => {
      const as = (key: string) => ({ key, token: secret });
      const created = await api.call("POST", "/v1/accounts", { type: "user", externalId: "jo" }, as("ivy-6"));
      assert.equal(created.status, 200);
      const here = await charge("ivy-6", { account: "user:ivy", amount: "1" });
      assert.equal(here.status, 422);
      await charge("ivy-7", { account: "user:ivy", amount: "1" });
      const there = await api.call("POST", "/v1/accounts", { type: "user", externalId: "jo" }, as("ivy-7"));
      assert.equal(there.status, 422);
      const grant = await api.call(
        "POST",
        "/v1/accounts/user:ivy/grants",
        { amount: "1", source: "promo" },
        as("ivy-7"),
      );
      assert.equal(grant.status, 422, "a ledger route of another path conflicts too");
    });

    test("a hold, its settlement and its release each answer in the ledger and replay", async () => {
      const key = (name: string) => ({ key: name });
      const hold = await api.call<{ holdId: string }>(
        "POST",
        "/v1/holds",
        { account: "user:ivy", amount: "4" },
        key("ivy-h1"),
      );
      assert.equal(hold.status, 200);
      assert.deepEqual(await rowOf("ivy-h1"), { state: "done", response_status: 200 });
      const again = await api.call("POST", "/v1/holds", { account: "user:ivy", amount: "4" }, key("ivy-h1"));
      assert.deepEqual(again.body, hold.body);
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      const path = `/v1/holds/${hold.body.holdId}/settle`;
      const settled = await api.call("POST", path, { amount: "3" }, key("ivy-h2"));
      assert.equal(settled.status, 200);
      const resettled = await api.call("POST", path, { amount: "3" }, key("ivy-h2"));
      assert.equal(resettled.headers.get("idempotent-replayed"), "true");
      assert.deepEqual(resettled.body, settled.body);
      const released = await api.call("POST", `/v1/holds/${hold.body.holdId}/release`, undefined, key("ivy-h3"));
      assert.equal(released.status, 400, "a settled hold cannot be released");
      assert.deepEqual(await rowOf("ivy-h3"), { state: "done", response_status: 400 });
    });

    test("keys are per caller: the same key from another API key is another request", async () => {
      const first = await charge("ivy-8", { account: "user:ivy", amount: "2" });
      const other = await api.call("POST", "/v1/charges", { account: "user:ivy", amount: "2" }, { key: "ivy-8" });
      assert.equal(other.status, 200);
      // The ledger's own key (per account) replays the first charge: still charged once.
      assert.equal(other.body.transactionId, JSON.parse(first.text).transactionId);
      assert.equal(other.headers.get("idempotent-replayed"), null);
    });

    test("the purge deletes stored answers past their retention, and the key is then free", async () => {
      await charge("ivy-9", { account: "user:ivy", amount: "3" });
      const store = new HttpIdempotencyStore(api.ledger.sql);
      const later = new Date(Date.now() + 2 * 86_400_000);
      while ((await store.purgeExpired(later, 1000)) === 1000) {}
      assert.equal(await rowOf("ivy-9"), undefined);
    });
  });
}
