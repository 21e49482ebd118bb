import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { HttpIdempotencyStore, openDatabase, ServerInstances } from "@tollgate/store";
import { loadServerConfig } from "./config.ts";
import { createJsonLogger } from "./logger.ts";
import { startServer } from "./start-server.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tollgate-serve-restart-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test("on the embedded database, a restarted server takes over at once the keys a dead predecessor held", async () => {
  const config = loadServerConfig({ PORT: "0", TOLLGATE_DATA_DIR: dataDir }, dataDir);
  const logger = createJsonLogger({ write: () => {} });
  let first: { keyId: string; token: string } | undefined;
  const initial = await startServer(config, {
    logger,
    handleSignals: false,
    onFirstKey: ({ key, token }) => {
      first = { keyId: key.keyId, token };
    },
  });
  await initial.close();
  assert.ok(first);

  // What a server killed in the middle of a request leaves behind: its instance, beating a
  // moment ago, and the key it reserved, in progress for the whole lock.
  const body = JSON.stringify({ type: "user", externalId: "alice" });
  const sql = await openDatabase({ dataDir });
  const now = new Date();
  const dead = await new ServerInstances(sql).register(now);
  const reserved = await new HttpIdempotencyStore(sql).reserve({
    scope: first.keyId,
    key: "in-flight-1",
    request: { method: "POST", target: "/v1/accounts", bodySha256: createHash("sha256").update(body).digest("hex") },
    now,
    lockedUntil: new Date(now.getTime() + 60_000),
    expiresAt: new Date(now.getTime() + 86_400_000),
    instanceId: dead,
  });
  assert.equal(reserved.outcome, "reserved");
  await sql.close();

  const restarted = await startServer(config, { logger, handleSignals: false });
  try {
    const retry = await fetch(`${restarted.url}/v1/accounts`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${first.token}`,
        "content-type": "application/json",
        "idempotency-key": "in-flight-1",
      },
      body,
    });
    assert.equal(retry.status, 200, await retry.text());
  } finally {
    await restarted.close();
  }
  // A clean shutdown leaves no instance behind.
  const again = await openDatabase({ dataDir });
  assert.deepEqual(await again.query("select id from server_instances"), []);
  await again.close();
});
