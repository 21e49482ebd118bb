import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadServerConfig } from "./config.ts";
import { createJsonLogger } from "./logger.ts";
import { findRunningServer, RUNNING_SERVER_FILE } from "./running-server-file.ts";
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

test("on the embedded database: the first admin key once, and a server file only its owner reads", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-serve-first-"));
  try {
    const config = loadServerConfig({ PORT: "0", TOLLGATE_DATA_DIR: dir }, dir);
    const logger = createJsonLogger({ write: () => {} });
    const firsts: string[] = [];
    const server = await startServer(config, {
      logger,
      handleSignals: false,
      onFirstKey: ({ token }) => firsts.push(token),
    });
    assert.equal(firsts.length, 1);
    const [first] = firsts as [string];
    const asFirst = await fetch(`${server.url}/v1/keys?kind=secret`, { headers: { authorization: `Bearer ${first}` } });
    assert.equal(asFirst.status, 200, "the first key is an admin key");

    const found = findRunningServer(dir);
    assert.equal(found.found, "server");
    const { info } = found as Extract<typeof found, { found: "server" }>;
    assert.deepEqual([info.pid, info.url], [process.pid, server.url]);
    assert.equal(statSync(join(dir, RUNNING_SERVER_FILE)).mode & 0o777, 0o600);
    const asLocal = await fetch(`${server.url}/v1/keys?kind=secret`, {
      headers: { authorization: `Bearer ${info.credential}` },
    });
    assert.equal(asLocal.status, 200, "the local credential is an admin key on this server");
    await server.close();
    assert.deepEqual(findRunningServer(dir), { found: "none" }, "removed on shutdown");

    const again = await startServer(config, {
      logger,
      handleSignals: false,
      onFirstKey: ({ token }) => firsts.push(token),
    });
    const secondInfo = findRunningServer(dir) as Extract<ReturnType<typeof findRunningServer>, { found: "server" }>;
    assert.notEqual(secondInfo.info.credential, info.credential, "a fresh credential per process");
    await again.close();
    assert.equal(firsts.length, 1, "a deployment that has a key gets no other");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a server file naming a dead process is no server", () => {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-serve-stale-"));
  try {
    writeFileSync(
      join(dir, RUNNING_SERVER_FILE),
      JSON.stringify({ pid: 2 ** 22 + 17, url: "http://127.0.0.1:1", credential: "tg_lc_x", startedAt: "" }),
    );
    assert.deepEqual(findRunningServer(dir), { found: "none" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
