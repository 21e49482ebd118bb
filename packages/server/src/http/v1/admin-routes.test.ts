// Features and prices over HTTP on both databases: a price is `price`, as the CLI's --price and
// the configuration file's fallbackPrice; what the price book or the features refuse is a 400
// naming the field, never a 500.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { definePricingConfig } from "@tollgate/metering";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

for (const database of await testDatabases()) {
  describe(`/v1/features and /v1/prices on ${database.name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await openTestApi(database);
    });
    after(() => api.close());

    const fieldOf = (answer: { body: ErrorAnswer }) => answer.body.error.details.fields?.[0]?.field;

    test("a price set from a time on, read back with its overrides and their status", async () => {
      const later = new Date(api.ledger.now().getTime() + 86_400_000).toISOString();
      const now = await api.call("POST", "/v1/prices/acme/acme-large", {
        price: { input_mtok: "1", output_mtok: "2" },
        reason: "launch",
      });
      assert.equal(now.status, 200);
      assert.deepEqual([now.body.price, now.body.reason], [{ input_mtok: "1", output_mtok: "2" }, "launch"]);
      await api.call("POST", "/v1/prices/acme/acme-large", { price: { input_mtok: "3" }, effectiveFrom: later });
      const read = (await api.call("GET", "/v1/prices/acme/acme-large")).body;
      assert.deepEqual([read.source, read.price], ["override", { input_mtok: "1", output_mtok: "2" }]);
      assert.deepEqual(
        (read.overrides as Array<{ status: string; reason: string | null }>).map((row) => [row.status, row.reason]),
        [
          ["scheduled", null],
          ["in_effect", "launch"],
        ],
      );
      const then = (await api.call("GET", `/v1/prices/acme/acme-large?at=${encodeURIComponent(later)}`)).body;
      assert.deepEqual(then.price, { input_mtok: "3" });
      const catalog = (await api.call("GET", "/v1/prices/openai/gpt-4o")).body;
      assert.deepEqual([catalog.source, typeof catalog.catalogModel, catalog.overrides], ["catalog", "string", []]);
    });

    test("what the price book refuses is 400 naming the field, and nothing is set", async () => {
      const later = new Date(api.ledger.now().getTime() + 2 * 86_400_000).toISOString();
      await api.call("POST", "/v1/prices/acme/acme-small", { price: { input_mtok: "1" }, effectiveFrom: later });
      for (const [path, body, field] of [
        ["/v1/prices/acme/acme-small", { price: { input_mtok: "2" }, effectiveFrom: later }, "effectiveFrom"],
        [
          "/v1/prices/acme/acme-small",
          { price: { input_mtok: "2" }, effectiveFrom: "2001-01-01T00:00:00Z" },
          "effectiveFrom",
        ],
        ["/v1/prices/acme/acme-small", { price: { input_mtok: "-1" } }, "price"],
        ["/v1/prices/acme/acme-small", { price: { cache_read_mtok: "1" } }, "price"],
        ["/v1/prices/acme/acme-small", { prices: { input_mtok: "1" } }, "prices"],
        ["/v1/prices/Not%20A%20Provider/acme-small", { price: { input_mtok: "1" } }, "provider"],
        ["/v1/prices/acme/%20", { price: { input_mtok: "1" } }, "model"],
      ] as const) {
        const answer = await api.call<ErrorAnswer>("POST", path, body);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(fieldOf(answer), field, JSON.stringify(answer.body.error));
      }
      const read = (await api.call("GET", `/v1/prices/acme/acme-small?at=${encodeURIComponent(later)}`)).body;
      assert.equal((read.overrides as unknown[]).length, 1);
    });

    test("a feature's name, cost and unit are checked as the features table keeps them", async () => {
      for (const [path, body, field] of [
        ["/v1/features/Not%20A%20Feature", { unit: "credits", cost: "1" }, "feature"],
        ["/v1/features/translate", { unit: "credits", cost: "10000000000000000" }, "cost"],
        ["/v1/features/translate", { unit: "credits", cost: "1.5" }, "cost"],
        ["/v1/features/translate", { unit: "doubloons", cost: "1" }, "unit"],
      ] as const) {
        const answer = await api.call<ErrorAnswer>("POST", path, body);
        assert.equal(answer.status, 400, path);
        assert.equal(fieldOf(answer), field, JSON.stringify(answer.body.error));
      }
      const features = (await api.call<{ data: unknown[] }>("GET", "/v1/features")).body.data;
      assert.deepEqual(features, []);
    });

    test("a feature the configuration file defines is listed as such and changed only in the file", async () => {
      const configured = await openTestApi(database, {
        pricing: definePricingConfig({ features: { summarize: { unit: "credits", costMinor: 3n } } }),
      });
      try {
        const refused = await configured.call<ErrorAnswer>("POST", "/v1/features/summarize", {
          unit: "credits",
          cost: "9",
        });
        assert.equal(refused.status, 400);
        assert.equal(refused.body.error.details.reason, "defined_in_configuration_file");
        const made = await configured.call("POST", "/v1/features/translate", { unit: "credits", cost: "2" });
        assert.deepEqual([made.status, made.body.fromConfig], [200, false]);
        const listed = (
          await configured.call<{ data: Array<{ feature: string; cost: string; fromConfig: boolean }> }>(
            "GET",
            "/v1/features",
          )
        ).body.data;
        assert.deepEqual(
          listed.map((feature) => [feature.feature, feature.cost, feature.fromConfig]),
          [
            ["summarize", "3", true],
            ["translate", "2", false],
          ],
        );
      } finally {
        await configured.close();
      }
    });
  });
}
