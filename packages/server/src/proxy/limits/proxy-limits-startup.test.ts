// `tollgate serve` reads the proxy's limits before it opens anything: a bad value stops the start
// with a ConfigError naming the variable (the CLI prints it as invalid_config), and the data
// directory is left untouched.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadServerConfig } from "../../config.ts";
import { ConfigError } from "../../config-error.ts";
import { SILENT_LOGGER } from "../../logger.ts";
import { startServer } from "../../start-server.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tollgate-proxy-limits-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test("a bad TOLLGATE_PROXY_* value stops the server's start before it opens the data directory", async () => {
  const config = loadServerConfig({ PORT: "0", TOLLGATE_DATA_DIR: dataDir }, dataDir);
  // This file runs in its own process (node --test), so the variable is this test's alone.
  process.env.TOLLGATE_PROXY_STREAM_MAX_SECONDS = "10 minutes";
  try {
    await assert.rejects(startServer(config, { logger: SILENT_LOGGER, handleSignals: false }), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.where, "TOLLGATE_PROXY_STREAM_MAX_SECONDS");
      assert.match(error.message, /"10 minutes" must be a whole number of seconds from 1 to 86400/);
      return true;
    });
    assert.deepEqual(readdirSync(dataDir), [], "nothing opened");
  } finally {
    delete process.env.TOLLGATE_PROXY_STREAM_MAX_SECONDS;
  }
});
