// The price list and clearing an override over HTTP on both databases: the catalog searched a
// page at a time with exact prices, overridden models beside it, an override cleared as a row of
// its own, and the refusals that change nothing.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

type Listed = {
  provider: string;
  model: string;
  name: string | null;
  inCatalog: boolean;
  overridden: boolean;
  source: string | null;
  effectiveFrom: string | null;
  price: Record<string, unknown> | null;
};
type ListPage = { data: Listed[]; nextCursor: string | null };

const START = Date.parse("2026-03-01T12:00:00.000Z");

for (const database of await testDatabases()) {
  describe(`GET /v1/prices and DELETE /v1/prices/{provider}/{model} on ${database.name}`, () => {
    let api: TestApi;
    let nowMs = START;
    before(async () => {
      api = await openTestApi(database, { clock: () => new Date(nowMs) });
    });
    after(() => api.close());
    const keysOf = (page: ListPage) => page.data.map((entry) => `${entry.provider}/${entry.model}`);

    test("search: any part of provider/model or name, case-insensitive, a page at a time with no gap or repeat", async () => {
      const first = await api.call<ListPage>("GET", "/v1/prices?search=GPT-4o-Mini&limit=3");
      assert.equal(first.status, 200);
      assert.deepEqual(keysOf(first.body), [
        "github-copilot/gpt-4o-mini",
        "openai/ft:gpt-4o-mini",
        "openai/gpt-4o-mini",
      ]);
      assert.equal(first.body.nextCursor, "openai/gpt-4o-mini");
      assert.deepEqual(first.body.data[2], {
        provider: "openai",
        model: "gpt-4o-mini",
        name: "gpt 4o mini",
        inCatalog: true,
        overridden: false,
        source: "catalog",
        effectiveFrom: null,
        price: { input_mtok: "0.15", cache_read_mtok: "0.075", output_mtok: "0.6" },
      });
      const rest: string[] = [];
      let cursor: string | null = first.body.nextCursor;
      while (cursor) {
        const path = `/v1/prices?search=gpt-4o-mini&limit=3&after=${encodeURIComponent(cursor)}`;
        const page: { body: ListPage } = await api.call<ListPage>("GET", path);
        rest.push(...keysOf(page.body));
        cursor = page.body.nextCursor;
      }
      assert.deepEqual(rest, [
        "openai/gpt-4o-mini-2024-07-18.ft-",
        "openai/gpt-4o-mini-audio-preview",
        "openai/gpt-4o-mini-realtime-preview",
        "openai/gpt-4o-mini-transcribe",
        "openai/gpt-4o-mini-tts",
        "openrouter/openai/gpt-4o-mini",
        "openrouter/openai/gpt-4o-mini-search-preview",
      ]);
      const all = await api.call<ListPage>("GET", "/v1/prices?limit=100");
      assert.equal(all.body.data.length, 100);
      assert.notEqual(all.body.nextCursor, null);
      const none = await api.call<ListPage>("GET", "/v1/prices?search=no-such-model-anywhere");
      assert.deepEqual(none.body, { data: [], nextCursor: null });
    });

    test("an override shows in the list; one only the deployment prices is listed beside the catalog", async () => {
      const set = await api.call("POST", "/v1/prices/openai/gpt-4o-mini", {
        price: { input_mtok: "0.2", output_mtok: "0.8" },
        reason: "negotiated",
      });
      assert.equal(set.status, 200);
      await api.call("POST", "/v1/prices/acme/house-4o-mini", { price: { input_mtok: "1" } });
      const page = await api.call<ListPage>("GET", "/v1/prices?search=4o-mini&limit=100");
      const overridden = page.body.data.find((entry) => entry.model === "gpt-4o-mini" && entry.provider === "openai");
      assert.deepEqual(overridden, {
        provider: "openai",
        model: "gpt-4o-mini",
        name: "gpt 4o mini",
        inCatalog: true,
        overridden: true,
        source: "override",
        effectiveFrom: new Date(START).toISOString(),
        price: { input_mtok: "0.2", output_mtok: "0.8" },
      });
      assert.deepEqual(page.body.data[0], {
        provider: "acme",
        model: "house-4o-mini",
        name: null,
        inCatalog: false,
        overridden: true,
        source: "override",
        effectiveFrom: new Date(START).toISOString(),
        price: { input_mtok: "1" },
      });
    });

    test("clearing: the catalog prices the model again, the history keeps the cleared row, a second clear is 404", async () => {
      nowMs = START + 60_000;
      const cleared = await api.call("DELETE", "/v1/prices/openai/gpt-4o-mini?reason=back%20to%20list");
      assert.equal(cleared.status, 200);
      assert.deepEqual(cleared.body, {
        provider: "openai",
        model: "gpt-4o-mini",
        clearedFrom: new Date(START + 60_000).toISOString(),
        reason: "back to list",
        source: "catalog",
        price: { input_mtok: "0.15", cache_read_mtok: "0.075", output_mtok: "0.6" },
      });
      const shown = await api.call<{ source: string; overrides: Array<{ status: string; price: unknown }> }>(
        "GET",
        "/v1/prices/openai/gpt-4o-mini",
      );
      assert.equal(shown.body.source, "catalog");
      assert.deepEqual(
        shown.body.overrides.map((row) => [row.status, row.price]),
        [
          ["in_effect", null],
          ["superseded", { input_mtok: "0.2", output_mtok: "0.8" }],
        ],
      );
      const before = await api.call("GET", "/v1/prices/openai/gpt-4o-mini?at=2026-03-01T12:00:30.000Z");
      assert.equal(before.body.source, "override", "what held before the clearing still holds then");
      const again = await api.call<ErrorAnswer>("DELETE", "/v1/prices/openai/gpt-4o-mini");
      assert.equal(again.status, 404);
      assert.equal(again.body.error.details.reason, "no_price_override");
      const never = await api.call<ErrorAnswer>("DELETE", "/v1/prices/openai/gpt-4o");
      assert.equal(never.status, 404);
      // With no catalog price and no fallback, nothing prices a cleared model.
      const house = await api.call("DELETE", "/v1/prices/acme/house-4o-mini");
      assert.deepEqual([house.status, house.body.source, house.body.price], [200, null, null]);
      const listed = await api.call<ListPage>("GET", "/v1/prices?search=house-4o");
      assert.deepEqual(
        listed.body.data.map((entry) => [entry.overridden, entry.source, entry.price]),
        [[true, null, null]],
      );
    });

    test("bad input is 400 and changes nothing; a customer token is 403", async () => {
      const rows = async () =>
        (await api.ledger.sql.query<{ count: number }>("select count(*)::int as count from model_prices"))[0]?.count;
      const stored = await rows();
      for (const query of ["limit=0", "limit=101", "after=nope", "search=", "sort=model"]) {
        const answer = await api.call<ErrorAnswer>("GET", `/v1/prices?${query}`);
        assert.equal(answer.status, 400, query);
        assert.equal(answer.body.error.code, "invalid_request");
      }
      const badProvider = await api.call<ErrorAnswer>("DELETE", "/v1/prices/Not%20A%20Provider/gpt-4o");
      assert.equal(badProvider.status, 400);
      const badReason = await api.call<ErrorAnswer>("DELETE", "/v1/prices/openai/gpt-4o?reason=");
      assert.equal(badReason.status, 400);
      const alice = await api.ledger.ensureAccount({ type: "user", externalId: "alice" });
      const token = (await api.keys.create({ kind: "customer", accountId: alice.accountId })).token;
      assert.equal((await api.call("GET", "/v1/prices", undefined, { token })).status, 403);
      assert.equal((await api.call("DELETE", "/v1/prices/acme/x", undefined, { token })).status, 403);
      assert.equal(await rows(), stored);
    });
  });
}
