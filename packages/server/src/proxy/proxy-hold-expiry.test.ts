// A stream that outlives its hold (a long generation past holdTtl) is still charged: the
// settlement finds the hold expired and charges the provider's usage afresh.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI from "openai";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";

const HOUR_MS = 3_600_000;

for (const database of await testDatabases()) {
  describe(`a proxied stream past its hold's expiry on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    let now = new Date("2026-03-01T12:00:00Z");
    before(async () => {
      proxy = await openProxyTestApp(database, { clock: () => now });
    });
    after(() => proxy.close());

    test("is charged the provider's usage, and the expired hold holds nothing", async () => {
      const kim = await proxy.customer("kim", 1_000n);
      let open: () => void = () => {};
      proxy.upstream.gate = new Promise<void>((resolve) => (open = resolve));
      try {
        const stream = await new OpenAI({ baseURL: proxy.baseURL, apiKey: kim.token }).chat.completions.create({
          model: "openai/gpt-4o-mini",
          messages: [{ role: "user", content: "Say hello." }],
          max_tokens: 5_000,
          stream: true,
        });
        const chunks = stream[Symbol.asyncIterator]();
        assert.ok((await chunks.next()).value, "the first piece arrived");
        // The hold (10 minutes by default) expires while the stream is held at the gate.
        now = new Date(now.getTime() + HOUR_MS);
        open();
        while (!(await chunks.next()).done) {}
        const ledger = proxy.ledger;
        for (let attempt = 0; attempt < 2_000; attempt++) {
          if ((await proxy.credits(kim.accountId)).balanceMinor < 1_000n) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.deepEqual(await proxy.credits(kim.accountId), { balanceMinor: 1_000n - 24n, heldMinor: 0n });
        await ledger.sweepExpired();
        const report = await ledger.reconcile();
        assert.equal(report.ok, true, JSON.stringify(report.summary));
      } finally {
        proxy.upstream.gate = null;
      }
    });
  });
}
