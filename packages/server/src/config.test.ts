import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { describeStorage, ledgerOptionsOf, loadServerConfig } from "./config.ts";
import { ConfigError } from "./config-error.ts";

const cwd = mkdtempSync(join(tmpdir(), "tollgate-config-"));
after(() => rmSync(cwd, { recursive: true, force: true }));

test("with nothing set: port 8787 on 127.0.0.1, PGlite in ./.tollgate, schema tollgate, default ledger", () => {
  const config = loadServerConfig({}, cwd);
  assert.equal(config.port, 8787);
  assert.equal(config.host, "127.0.0.1");
  assert.deepEqual(config.storage, { kind: "pglite", dataDir: join(cwd, ".tollgate") });
  assert.equal(config.schema, "tollgate");
  assert.equal(config.configFile, null);
  assert.equal(config.ledger.defaultUnit, "credits");
});

test("DATABASE_URL selects PostgreSQL, and its password never reaches a log line", () => {
  const env = {
    DATABASE_URL: "postgres://app:s3cret@db.internal:5432/prod?sslmode=require",
    TOLLGATE_SCHEMA: "billing",
  };
  const config = loadServerConfig(env, cwd);
  assert.equal(config.storage.kind, "postgres");
  assert.equal(ledgerOptionsOf(config).databaseUrl, env.DATABASE_URL);
  const described = JSON.stringify(describeStorage(config));
  assert.ok(!described.includes("s3cret"), described);
  assert.match(described, /postgres:\/\/app:\*\*\*@db\.internal:5432\/prod/);
});

test("the default config file is read when present, and TOLLGATE_CONFIG must exist", () => {
  writeFileSync(join(cwd, "tollgate.config.json"), JSON.stringify({ units: [{ unit: "usd", scale: 2 }] }));
  assert.equal(loadServerConfig({}, cwd).ledger.defaultUnit, "usd");
  writeFileSync(join(cwd, "other.json"), JSON.stringify({ defaultUnit: "credits" }));
  assert.equal(loadServerConfig({ TOLLGATE_CONFIG: "other.json" }, cwd).configFile, join(cwd, "other.json"));
  assert.throws(() => loadServerConfig({ TOLLGATE_CONFIG: "missing.json" }, cwd), /^ConfigError: TOLLGATE_CONFIG: /);
  rmSync(join(cwd, "tollgate.config.json"));
});

test("bad variables are named", () => {
  for (const [env, name] of [
    [{ PORT: "eighty" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ TOLLGATE_SCHEMA: "Bad-Name" }, "TOLLGATE_SCHEMA"],
  ] as const) {
    assert.throws(
      () => loadServerConfig(env, cwd),
      (error: unknown) => error instanceof ConfigError && error.where === name,
    );
  }
});
