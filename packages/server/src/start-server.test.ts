import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadServerConfig } from "./config.ts";
import { createJsonLogger } from "./logger.ts";
import { startServer } from "./start-server.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tollgate-serve-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test("a real server listens, answers over a socket, logs one start line, and shuts down cleanly", async () => {
  const config = loadServerConfig({ PORT: "0", TOLLGATE_DATA_DIR: dataDir }, dataDir);
  const lines: string[] = [];
  const logger = createJsonLogger({ write: (line: string) => lines.push(line) });
  const server = await startServer(config, { logger, handleSignals: false });
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const started = JSON.parse(lines[0] ?? "{}");
  assert.deepEqual(
    { message: started.message, url: started.url, storage: started.storage, dataDir: started.dataDir },
    { message: "listening", url: server.url, storage: "pglite", dataDir },
  );

  const health = await fetch(`${server.url}/healthz`);
  assert.deepEqual(await health.json(), { status: "ok" });
  assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

  // The embedded data directory belongs to one process at a time.
  await assert.rejects(startServer(config, { logger, handleSignals: false, storageWaitMs: 50 }), /in use by process/);

  await Promise.all([server.close(), server.close()]);
  await server.closed;
  await assert.rejects(fetch(`${server.url}/healthz`));
  const again = await startServer(config, { logger, handleSignals: false });
  await again.close();
});
