// `tollgate serve`'s wiring of the Anthropic proxy: with TOLLGATE_UPSTREAM_ANTHROPIC_KEY and
// _BASE_URL in the environment, a real server serves /anthropic/v1/messages to the official
// client, forwards to that upstream with that key, and charges the account what its headers and
// its stream's settlement comment say; without the key the route is not there. On the embedded
// PGlite and, when reachable, on PostgreSQL in a schema of its own.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { ApiKeys, openDatabase } from "@tollgate/store";
import { testDatabases, uniqueSchema } from "@tollgate/store/testing";
import { loadServerConfig } from "../packages/server/src/config.ts";
import { SILENT_LOGGER } from "../packages/server/src/logger.ts";
import { FakeAnthropic } from "../packages/server/src/proxy/fake-anthropic.ts";
import { type RunningServer, startServer } from "../packages/server/src/start-server.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tollgate-anthropic-server-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** The server reads its upstreams from `process.env`: set for one start, then put back. */
async function startWithEnv(env: Record<string, string>, upstreams: Record<string, string>): Promise<RunningServer> {
  const saved = Object.fromEntries(Object.keys(upstreams).map((name) => [name, process.env[name]]));
  Object.assign(process.env, upstreams);
  try {
    return await startServer(loadServerConfig(env, dataDir), { logger: SILENT_LOGGER, handleSignals: false });
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

for (const database of await testDatabases()) {
  describe(`tollgate serve with an Anthropic upstream on ${database.name}`, () => {
    const schema = uniqueSchema("anthropic");
    let upstream: FakeAnthropic;
    let server: RunningServer;
    const env: Record<string, string> = database.databaseUrl
      ? { PORT: "0", DATABASE_URL: database.databaseUrl, TOLLGATE_SCHEMA: schema }
      : { PORT: "0", TOLLGATE_DATA_DIR: join(dataDir, "pglite") };

    before(async () => {
      upstream = await FakeAnthropic.start();
      server = await startWithEnv(env, {
        TOLLGATE_UPSTREAM_ANTHROPIC_KEY: "sk-ant-from-env",
        TOLLGATE_UPSTREAM_ANTHROPIC_BASE_URL: upstream.baseUrl,
      });
    });
    after(async () => {
      await server.close();
      await upstream.close();
      if (database.databaseUrl) {
        const sql = await openDatabase({ databaseUrl: database.databaseUrl, poolSize: 1 });
        await sql.query(`drop schema if exists "${schema}" cascade`);
        await sql.close();
      }
    });

    test("the official client streams through it and the account is charged what the settlement says", async () => {
      const account = { type: "user" as const, externalId: "sam" };
      const granted = await server.ledger.grant({
        account,
        amountMinor: 1_000_000n,
        source: "promo",
        idempotencyKey: "g",
      });
      assert.ok(granted.ok);
      const keys = new ApiKeys(server.ledger.sql);
      const { token } = await keys.create({ kind: "customer", name: "sam", accountId: granted.value.accountId });
      const client = new Anthropic({ baseURL: `${server.url}/anthropic`, apiKey: token });
      const request = {
        model: "claude-sonnet-4-5",
        max_tokens: 1_000,
        messages: [{ role: "user" as const, content: "Hi" }],
      };

      const { data, response } = await client.messages.create(request).withResponse();
      assert.equal(data.usage.output_tokens, 200);
      const charged = BigInt(response.headers.get("x-tollgate-charged") ?? "0");
      assert.ok(charged > 0n);
      assert.equal(upstream.requests.at(-1)?.apiKey, "sk-ant-from-env", "the environment's key, as x-api-key");

      // The raw stream, to read the settlement comment the client skips.
      const streamed = await fetch(`${server.url}/anthropic/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": token },
        body: JSON.stringify({ ...request, stream: true }),
      });
      const text = await streamed.text();
      const settlement = /^: tollgate charged=(\d+) available=(\d+) unit=credits$/m.exec(text);
      assert.ok(settlement, text);
      assert.equal(BigInt(settlement[1] ?? ""), charged, "streamed and not, the same charge");
      assert.ok(text.trimEnd().endsWith('data: {"type":"message_stop"}'), "message_stop comes after the settlement");
      const [view] = (await server.ledger.getBalances(account, { unit: "credits", fresh: true })) ?? [];
      assert.equal(view?.balanceMinor, 1_000_000n - 2n * charged);
      assert.equal(BigInt(settlement[2] ?? ""), view?.balanceMinor);
    });
  });
}

test("without TOLLGATE_UPSTREAM_ANTHROPIC_KEY, /anthropic/v1/messages is not served", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-anthropic-none-"));
  try {
    const saved = process.env.TOLLGATE_UPSTREAM_ANTHROPIC_KEY;
    delete process.env.TOLLGATE_UPSTREAM_ANTHROPIC_KEY;
    const server = await startServer(loadServerConfig({ PORT: "0", TOLLGATE_DATA_DIR: dir }, dir), {
      logger: SILENT_LOGGER,
      handleSignals: false,
    });
    if (saved !== undefined) process.env.TOLLGATE_UPSTREAM_ANTHROPIC_KEY = saved;
    try {
      const response = await fetch(`${server.url}/anthropic/v1/messages`, { method: "POST", body: "{}" });
      assert.equal(response.status, 404);
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
