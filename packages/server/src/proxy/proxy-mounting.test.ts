// Each proxied protocol is served only when its upstream is configured: an Anthropic key alone
// serves /anthropic and not /openai, and the other way round.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { type AppDependencies, createApp } from "../create-app.ts";

const OPENAI = { baseUrl: "http://127.0.0.1:9", apiKey: "sk-or", defaultProvider: "openai", drainBytesMax: 1024 };
const ANTHROPIC = { baseUrl: "http://127.0.0.1:9", apiKey: "sk-ant", drainBytesMax: 1024 };

for (const database of await testDatabases()) {
  describe(`which proxy routes are served on ${database.name}`, () => {
    test("a route is served with its upstream only; a keyless call to it is 401 in its provider's format", async () => {
      const ledger = await openTestLedger(database, {
        config: defineLedgerConfig({ signupGrants: { user: [], organization: [], guest: [] } }),
      });
      const meter = await Meter.open({ ledger });
      const keys = await ApiKeys.open(ledger.sql);
      try {
        const statuses = async (upstreams: Partial<AppDependencies>) => {
          const app = createApp({ ledger, meter, keys, ...upstreams });
          const post = (path: string) => app.request(path, { method: "POST", body: "{}" });
          const openai = await post("/openai/v1/chat/completions");
          const anthropic = await post("/anthropic/v1/messages");
          const anthropicBody = anthropic.status === 401 ? ((await anthropic.json()) as { type: string }) : null;
          if (anthropicBody) assert.equal(anthropicBody.type, "error", "Anthropic's error format");
          return [openai.status, anthropic.status];
        };
        assert.deepEqual(await statuses({}), [404, 404]);
        assert.deepEqual(await statuses({ proxy: OPENAI }), [401, 404]);
        assert.deepEqual(await statuses({ anthropicProxy: ANTHROPIC }), [404, 401]);
        assert.deepEqual(await statuses({ proxy: OPENAI, anthropicProxy: ANTHROPIC }), [401, 401]);
      } finally {
        await keys.close();
        await meter.close();
        await ledger.dispose();
      }
    });
  });
}
