// The price book's clearing and its list on both databases: a cleared override gives the model
// back to the catalog or the fallback from that instant, earlier instants keep the override, and
// the list merges the catalog with the overridden models in one order.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { PriceBook } from "./price-book.ts";
import { listPrices } from "./price-list.ts";

const START = new Date("2026-03-01T12:00:00.000Z");
const later = (ms: number) => new Date(START.getTime() + ms);

for (const database of await testDatabases()) {
  describe(`clearing a price and listing prices on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let book: PriceBook;
    let withFallback: PriceBook;
    let now = START;
    before(async () => {
      ledger = await openTestLedger(database);
      book = await PriceBook.open(ledger.sql, { fallbackPrice: null, clock: () => now });
      withFallback = await PriceBook.open(ledger.sql, { fallbackPrice: { input_mtok: "9" }, clock: () => now });
    });
    after(async () => {
      await book.close();
      await withFallback.close();
      await ledger.dispose();
    });

    test("a cleared override: the catalog from then on, the override before, and nothing to clear twice", async () => {
      await book.setPrice({ provider: "openai", model: "gpt-4o", price: { input_mtok: "1", output_mtok: "2" } });
      now = later(1000);
      const cleared = await book.clearPrice({ provider: "OpenAI", model: "GPT-4o", reason: "list price again" });
      assert.deepEqual([cleared.price, cleared.reason, cleared.effectiveFrom], [null, "list price again", now]);
      assert.equal((await book.priceOf({ provider: "openai", model: "gpt-4o", at: now }))?.source, "catalog");
      const before = await book.priceOf({ provider: "openai", model: "gpt-4o", at: later(999) });
      assert.deepEqual(before?.price, { input_mtok: "1", output_mtok: "2" });
      await assert.rejects(book.clearPrice({ provider: "openai", model: "gpt-4o" }), /no override in effect/);
      await assert.rejects(book.clearPrice({ provider: "openai", model: "gpt-4.1" }), RangeError);
    });

    test("a model only the deployment prices falls to the fallback, or to nothing, once cleared", async () => {
      await book.setPrice({ provider: "acme", model: "house", price: { input_mtok: "3" } });
      now = later(2000);
      await book.clearPrice({ provider: "acme", model: "house" });
      assert.equal(await book.priceOf({ provider: "acme", model: "house", at: now }), null);
      const fallback = await withFallback.priceOf({ provider: "acme", model: "house", at: now });
      assert.deepEqual([fallback?.source, fallback?.price], ["fallback", { input_mtok: "9" }]);
    });

    test("the list: catalog and overridden models in one order, searched, paged with no gap or repeat", async () => {
      const page = await listPrices(book, { search: "HOUSE", at: now });
      assert.deepEqual(page.entries, [
        { provider: "acme", model: "house", name: null, inCatalog: false, overridden: true, price: null },
      ]);
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const next = await listPrices(book, { search: "gpt-4o-mini-t", limit: 1, after, at: now });
        seen.push(...next.entries.map((entry) => `${entry.provider}/${entry.model}`));
        after = next.nextCursor;
      } while (after);
      assert.deepEqual(seen, ["openai/gpt-4o-mini-transcribe", "openai/gpt-4o-mini-tts"]);
      const gpt4o = (await listPrices(book, { search: "openai/gpt-4o", limit: 1, at: now })).entries[0];
      assert.deepEqual([gpt4o?.model, gpt4o?.overridden, gpt4o?.price?.source], ["gpt-4o", true, "catalog"]);
      await assert.rejects(listPrices(book, { limit: 101, at: now }), RangeError);
    });
  });
}
