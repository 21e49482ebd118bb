// The seed apps' helpers as one-liners over the API, against the real server on both databases.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { shiftDecimal } from "./decimal-shift.ts";
import { createTollgateClient, type TollgateClient } from "./index.ts";
import { openSdkTestServer, type SdkTestServer } from "./sdk-test-server.ts";

test("shiftDecimal moves the point exactly, with no float in between", () => {
  assert.equal(shiftDecimal("0.0025", 3), "2.5");
  assert.equal(shiftDecimal("0.01", 3), "10");
  assert.equal(shiftDecimal("3", 3), "3000");
  assert.equal(shiftDecimal("0.000001", 3), "0.001");
  assert.equal(shiftDecimal("0", 3), "0");
  assert.throws(() => shiftDecimal("1e-3", 3), TypeError);
  assert.throws(() => shiftDecimal("-1", 3), TypeError);
});

for (const database of await testDatabases()) {
  describe(`the seed helpers on ${database.name}`, () => {
    let server: SdkTestServer;
    let tollgate: TollgateClient;
    before(async () => {
      server = await openSdkTestServer(database);
      tollgate = createTollgateClient({ baseUrl: server.baseUrl, secretKey: server.secret, maxRetries: 0 });
      await tollgate.api.POST("/v1/features/{feature}", {
        params: { path: { feature: "generate_goal" } },
        body: { unit: "credits", cost: "3" },
      });
    });
    after(() => server.close());

    test("initializeUserBalance grants once however often it is called", async () => {
      await tollgate.initializeUserBalance("organization:acme", "10");
      await tollgate.initializeUserBalance("organization:acme", "10");
      assert.equal(await tollgate.getTokenBalance("organization:acme"), "10");
      assert.deepEqual(await tollgate.getAllTokenBalances("organization:acme"), { credits: "10" });
      assert.equal(await tollgate.getTokenBalance("organization:nobody"), "0");
    });

    test("hasEnoughTokens, then deductTokens until the credits run out", async () => {
      assert.equal(await tollgate.hasEnoughTokens("organization:acme", "generate_goal"), true);
      const results = [];
      for (let round = 0; round < 4; round += 1) {
        results.push(await tollgate.deductTokens("organization:acme", "generate_goal", { metadata: { round } }));
      }
      assert.deepEqual(
        results.map((result) => [result.success, result.remainingBalance]),
        [
          [true, "7"],
          [true, "4"],
          [true, "1"],
          [false, "1"],
        ],
      );
      assert.match(results[3]?.message ?? "", /\S/);
      assert.equal(await tollgate.hasEnoughTokens("organization:acme", "generate_goal"), false);
      const stats = await tollgate.getTokenStats("organization:acme");
      assert.equal(stats.totalBalance, "1");
      assert.equal(stats.totalUsed, "9");
    });

    test("updateModelPricing takes the seed's per-1k prices, and trackTokenUsage is charged by them", async () => {
      await tollgate.initializeUserBalance("user:alice", "100000");
      const set = await tollgate.updateModelPricing("gpt-test", "openai", "0.0025", "0.01");
      assert.equal(set.price.input_mtok, "2.5");
      assert.equal(set.price.output_mtok, "10");
      const usage = await tollgate.trackTokenUsage({
        account: "user:alice",
        provider: "openai",
        model: "gpt-test",
        usage: { inputTokens: 1000, outputTokens: 1000 },
        success: true,
      });
      assert.notEqual(usage.amount, "0", "priced and charged");
      const failed = await tollgate.trackTokenUsage({
        account: "user:alice",
        provider: "openai",
        model: "gpt-test",
        usage: { inputTokens: 1000, outputTokens: 1000 },
        success: false,
      });
      assert.equal(failed.amount, "0", "a failed call is recorded and not charged");
    });
  });
}
