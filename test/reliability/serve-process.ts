import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiKeys, openDatabase, reconcile, type SqlClient } from "@tollgate/store";
import { testPostgres, uniqueSchema } from "@tollgate/store/testing";
import { BIN } from "../cli-harness.ts";
import { tableChecksums } from "../http-fuzz/table-checksums.ts";

/** How long `tollgate serve` may take to listen, and to stop, before the suite gives up on it. */
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/** A `tollgate serve` child process on PostgreSQL in a schema of its own, and what it printed. */
export interface ServeProcess {
  url: string;
  pid: number;
  schema: string;
  /** The database URL the server was given (with the password the test chose, if any). */
  databaseUrl: string;
  /** An admin key made for the suite (the first key; every other key is made over HTTP). */
  adminToken: string;
  /** The test's own connection to the server's schema: checksums, reconcile. */
  sql: SqlClient;
  /** Everything the process wrote so far, stdout and stderr. */
  output(): string;
  /** Sends the process a signal (the soak test's SIGUSR2: collect garbage). */
  signal(signal: NodeJS.Signals): void;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Every table's checksum, and reconcile's failing checks (empty when clean). */
  ledgerState(): Promise<{ checksums: Record<string, string>; failingChecks: string[] }>;
  /** SIGTERM, waits for the exit, drops the schema; returns the exit code. Safe to call twice. */
  stop(): Promise<number | null>;
}

export interface ServeProcessOptions {
  /** Extra environment for the server (rate limits, access log, …). */
  env?: Record<string, string>;
  /** The ledger and pricing configuration file's content. */
  config: unknown;
  /** Rewrites the database URL the server gets (for example to carry a password); the test's own connection uses the plain one. */
  databaseUrlForServer?: (databaseUrl: string) => string;
  /** Node options before the binary (`--expose-gc`, `--import …`). */
  nodeArgs?: string[];
}

/**
 * The real `tollgate` binary serving on 127.0.0.1 and a free port, against the local PostgreSQL
 * in a fresh schema, or undefined when PostgreSQL is not reachable (CI requires it). The
 * suite's first key is made through the store before the server starts (PostgreSQL makes no
 * first key by itself); the server migrates the schema as it always does.
 */
export async function startServeProcess(options: ServeProcessOptions): Promise<ServeProcess | undefined> {
  const postgres = await testPostgres();
  if (!postgres?.databaseUrl) return undefined;
  const databaseUrl = postgres.databaseUrl;
  const schema = uniqueSchema("reliability");
  const workDir = mkdtempSync(join(tmpdir(), "tollgate-reliability-"));
  const configPath = join(workDir, "tollgate.json");
  writeFileSync(configPath, JSON.stringify(options.config));
  const sql = await openDatabase({ databaseUrl, schema, poolSize: 2 });
  const serverUrl = options.databaseUrlForServer?.(databaseUrl) ?? databaseUrl;
  const env = {
    ...process.env,
    DATABASE_URL: serverUrl,
    TOLLGATE_SCHEMA: schema,
    TOLLGATE_CONFIG: configPath,
    ...options.env,
  };
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), BIN, "serve", "--port", "0", "--host", "127.0.0.1"],
    { cwd: workDir, env },
  );
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let url: string;
  try {
    url = await listeningUrl(child, () => output);
  } catch (error) {
    child.kill("SIGKILL");
    await sql.close();
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  // After the server listens: it has migrated the schema by then. Unknown tokens are not cached, so it accepts this one at once.
  const keys = await ApiKeys.open(sql);
  const { token: adminToken } = await keys.create({ kind: "secret", admin: true, name: "reliability suite" });
  await keys.close();
  let stopping: Promise<number | null> | undefined;
  return {
    url,
    pid: child.pid as number,
    schema,
    databaseUrl: serverUrl,
    adminToken,
    sql,
    output: () => output,
    signal: (signal) => child.kill(signal),
    alive: () => child.exitCode === null && child.signalCode === null,
    async ledgerState() {
      const checksums = await tableChecksums(sql, schema);
      const report = await reconcile(sql);
      return {
        checksums,
        failingChecks: report.checks.filter((check) => check.mismatches.length > 0).map((check) => check.name),
      };
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
        const code = await exited;
        clearTimeout(timer);
        try {
          await sql.query(`drop schema if exists "${schema}" cascade`);
        } finally {
          await sql.close();
          rmSync(workDir, { recursive: true, force: true });
        }
        return code;
      })();
      return stopping;
    },
  };
}

function listeningUrl(child: ChildProcessWithoutNullStreams, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not listen in time: ${output()}`)), START_TIMEOUT_MS);
    const check = () => {
      const line = output()
        .split("\n")
        .find((candidate) => candidate.includes('"listening"'));
      if (!line) return;
      clearTimeout(timer);
      child.stdout.off("data", check);
      resolve(JSON.parse(line).url);
    };
    child.stdout.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening: ${output()}`));
    });
  });
}

/** Polls `condition` until it holds or `deadlineMs` passes; returns whether it held. */
export async function waitFor(condition: () => Promise<boolean> | boolean, deadlineMs = 30_000): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return condition();
}
