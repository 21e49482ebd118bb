import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { openDatabase } from "@tollgate/store";
import { testPostgres, uniqueSchema } from "@tollgate/store/testing";

/** The real `tollgate` binary, run in child processes by the end-to-end CLI suites. */
export const BIN = fileURLToPath(new URL("../packages/cli/bin/tollgate.js", import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tollgate(args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The run's stdout as JSON, after checking it exited 0. */
export const json = (run: Run) => {
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}${run.stdout}`);
  return JSON.parse(run.stdout);
};

/** Exit 2 with a message naming what was wrong. */
export const refused = (run: Run, message: RegExp) => {
  assert.equal(run.code, 2, `expected exit 2: ${run.stderr}${run.stdout}`);
  assert.match(run.stderr, message);
};

export interface CliTarget {
  name: string;
  /** A fresh, empty store each call: a PGlite directory or a PostgreSQL schema. */
  freshEnv(): Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * A work directory holding `config` as a file (removed after the suite), and the stores to
 * run on: PGlite always, PostgreSQL when reachable, each schema dropped by `cleanup`.
 */
export async function cliWorkspace(options: { prefix: string; config: unknown }) {
  const workDir = mkdtempSync(join(tmpdir(), `tollgate-${options.prefix}-`));
  const configPath = join(workDir, "tollgate.json");
  writeFileSync(configPath, JSON.stringify(options.config));
  after(() => rmSync(workDir, { recursive: true, force: true }));
  const targets: CliTarget[] = [
    {
      name: "pglite",
      freshEnv: () => ({ DATABASE_URL: "", TOLLGATE_DATA_DIR: mkdtempSync(join(workDir, "data-")) }),
      cleanup: async () => {},
    },
  ];
  const postgres = await testPostgres();
  if (postgres?.databaseUrl) {
    const databaseUrl = postgres.databaseUrl;
    const schemas: string[] = [];
    targets.push({
      name: "postgres",
      freshEnv: () => {
        const schema = uniqueSchema(options.prefix.replaceAll("-", "_"));
        schemas.push(schema);
        return { DATABASE_URL: databaseUrl, TOLLGATE_SCHEMA: schema };
      },
      cleanup: async () => {
        const sql = await openDatabase({ databaseUrl, poolSize: 1 });
        for (const schema of schemas) await sql.query(`drop schema if exists "${schema}" cascade`);
        await sql.close();
      },
    });
  }
  return { workDir, configPath, targets };
}

/** A `tollgate serve` child process that is listening. */
export interface ServeChild {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
  /** Settles once stderr matches `pattern`, with the match (output arrives after the "listening" line). */
  stderrMatch(pattern: RegExp): Promise<RegExpExecArray>;
  /** SIGTERM, then the exit code once it has exited (null when a signal ended it: stderr then says which). */
  stop(): Promise<number | null>;
}

/**
 * `tollgate serve --port 0` in a child process, once it prints its "listening" line. The deadline
 * only turns a hang into a failure; it is no measure of speed.
 */
export async function serveChild(options: {
  cwd: string;
  env: Record<string, string>;
  deadlineMs?: number;
}): Promise<ServeChild> {
  const deadlineMs = options.deadlineMs ?? 90_000;
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0"], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const started = stdout.split("\n").find((line) => line.includes('"listening"'));
      if (started) resolve(JSON.parse(started).url);
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code} before listening: ${stderr}`)));
    setTimeout(() => reject(new Error(`serve did not listen within ${deadlineMs} ms: ${stderr}`)), deadlineMs).unref();
  });
  return {
    child,
    url,
    stderr: () => stderr,
    stderrMatch: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stderr);
          if (match) resolve(match);
          return match;
        };
        if (check()) return;
        child.stderr.on("data", check);
        child.on("exit", () => reject(new Error(`serve exited before printing ${pattern}: ${stderr}`)));
      }),
    stop: () => {
      const exited = new Promise<number | null>((resolve) =>
        child.on("exit", (code, signal) => {
          // A graceful stop exits 0; a signal means it crashed or never handled SIGTERM: say so.
          if (code === null) process.stderr.write(`serve ended by ${signal}; its stderr:\n${stderr}\n`);
          resolve(code);
        }),
      );
      child.kill("SIGTERM");
      return exited;
    },
  };
}
