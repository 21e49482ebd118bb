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

test("operations: generous defaults; metrics, access logs and the balance cache on", () => {
  const { operations } = loadServerConfig({}, cwd);
  assert.deepEqual(operations, {
    metrics: true,
    accessLog: true,
    rateLimits: { secret: { ratePerSecond: 100, burst: 200 }, customer: { ratePerSecond: 20, burst: 40 } },
    bodyBytesMax: 1_048_576,
    batchBodyBytesMax: 4_194_304,
    balanceCache: true,
    streams: { perSecretKey: 1000, perCustomerToken: 10, perAccount: 20, perProcess: 10_000 },
    ledgerQueueMax: null,
  });
});

test("operations variables: switches, rate limits (with or without a burst, or off) and body limits", () => {
  const { operations } = loadServerConfig(
    {
      TOLLGATE_METRICS: "off",
      TOLLGATE_ACCESS_LOG: "false",
      TOLLGATE_RATE_LIMIT_SECRET: "1000, 5000",
      TOLLGATE_RATE_LIMIT_CUSTOMER: "off",
      TOLLGATE_BODY_LIMIT_BYTES: "65536",
      TOLLGATE_BATCH_BODY_LIMIT_BYTES: "8388608",
      TOLLGATE_BALANCE_CACHE: "off",
      TOLLGATE_STREAMS_PER_SECRET_KEY: "50",
      TOLLGATE_STREAMS_PER_CUSTOMER_TOKEN: "2",
      TOLLGATE_STREAMS_PER_ACCOUNT: "4",
      TOLLGATE_STREAMS_MAX: "500",
      TOLLGATE_LEDGER_QUEUE_MAX: "4096",
    },
    cwd,
  );
  assert.deepEqual(operations, {
    metrics: false,
    accessLog: false,
    rateLimits: { secret: { ratePerSecond: 1000, burst: 5000 }, customer: null },
    bodyBytesMax: 65_536,
    batchBodyBytesMax: 8_388_608,
    balanceCache: false,
    streams: { perSecretKey: 50, perCustomerToken: 2, perAccount: 4, perProcess: 500 },
    ledgerQueueMax: 4096,
  });
  assert.equal(ledgerOptionsOf(loadServerConfig({ TOLLGATE_LEDGER_QUEUE_MAX: "4096" }, cwd)).queueMax, 4096);
  assert.equal(ledgerOptionsOf(loadServerConfig({}, cwd)).queueMax, undefined);
  // Without a burst, twice the rate (at least 1).
  const halfPerSecond = loadServerConfig({ TOLLGATE_RATE_LIMIT_CUSTOMER: "0.5" }, cwd).operations.rateLimits;
  assert.deepEqual(halfPerSecond.customer, { ratePerSecond: 0.5, burst: 1 });
});

test("bad operations variables are named", () => {
  for (const [env, name] of [
    [{ TOLLGATE_METRICS: "maybe" }, "TOLLGATE_METRICS"],
    [{ TOLLGATE_ACCESS_LOG: "verbose" }, "TOLLGATE_ACCESS_LOG"],
    [{ TOLLGATE_BALANCE_CACHE: "sometimes" }, "TOLLGATE_BALANCE_CACHE"],
    [{ TOLLGATE_LEDGER_QUEUE_MAX: "0" }, "TOLLGATE_LEDGER_QUEUE_MAX"],
    [{ TOLLGATE_LEDGER_QUEUE_MAX: "off" }, "TOLLGATE_LEDGER_QUEUE_MAX"],
    [{ TOLLGATE_RATE_LIMIT_SECRET: "0" }, "TOLLGATE_RATE_LIMIT_SECRET"],
    [{ TOLLGATE_RATE_LIMIT_SECRET: "100,0" }, "TOLLGATE_RATE_LIMIT_SECRET"],
    [{ TOLLGATE_RATE_LIMIT_CUSTOMER: "fast" }, "TOLLGATE_RATE_LIMIT_CUSTOMER"],
    [{ TOLLGATE_RATE_LIMIT_CUSTOMER: "-5" }, "TOLLGATE_RATE_LIMIT_CUSTOMER"],
    [{ TOLLGATE_BODY_LIMIT_BYTES: "1MB" }, "TOLLGATE_BODY_LIMIT_BYTES"],
    [{ TOLLGATE_BODY_LIMIT_BYTES: "10" }, "TOLLGATE_BODY_LIMIT_BYTES"],
    [{ TOLLGATE_BATCH_BODY_LIMIT_BYTES: "999999999999" }, "TOLLGATE_BATCH_BODY_LIMIT_BYTES"],
    [{ TOLLGATE_STREAMS_PER_SECRET_KEY: "0" }, "TOLLGATE_STREAMS_PER_SECRET_KEY"],
    [{ TOLLGATE_STREAMS_PER_CUSTOMER_TOKEN: "off" }, "TOLLGATE_STREAMS_PER_CUSTOMER_TOKEN"],
    [{ TOLLGATE_STREAMS_PER_ACCOUNT: "2.5" }, "TOLLGATE_STREAMS_PER_ACCOUNT"],
    [{ TOLLGATE_STREAMS_MAX: "2000000" }, "TOLLGATE_STREAMS_MAX"],
    [
      { TOLLGATE_BODY_LIMIT_BYTES: "2097152", TOLLGATE_BATCH_BODY_LIMIT_BYTES: "1048576" },
      "TOLLGATE_BATCH_BODY_LIMIT_BYTES",
    ],
  ] as const) {
    assert.throws(
      () => loadServerConfig(env, cwd),
      (error: unknown) => error instanceof ConfigError && error.where === name,
      JSON.stringify(env),
    );
  }
});
