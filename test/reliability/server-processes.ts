/**
 * Real `tollgate serve` processes on PostgreSQL for the reliability suite: a deployment is one
 * schema of its own, set up with the real CLI (`tollgate keys create`, which migrates it), and
 * any number of server processes started on it, SIGKILLed and started again on the same schema.
 * The command that serves can be any build of tollgate (checks-bite.test.ts points it at broken
 * builds), so the checks that run against the real server run unchanged against those.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { openDatabase } from "@tollgate/store";
import { testPostgres, uniqueSchema } from "@tollgate/store/testing";
import { BIN, json, tollgate } from "../cli-harness.ts";

/** A build of tollgate to serve with: `node <entry> serve`. */
export interface ServerCommand {
  name: string;
  /** The script node runs: the real bin, or a bundle of a broken variant. */
  entry: string;
}

/** The `tollgate` command as users run it (the compiled build of the sources, scripts/build.mjs). */
export const REAL_TOLLGATE: ServerCommand = { name: "tollgate", entry: BIN };

/** The configuration every reliability deployment runs with: whole credits, short holds allowed. */
export const RELIABILITY_CONFIG = {
  units: [{ unit: "credits", scale: 0 }],
  holdTtl: "10m",
};

/** How long a server may take to start and answer /readyz before the test gives up (not a measurement). */
const READY_DEADLINE_MS = 60_000;

/** One running `tollgate serve`, until it is killed or stopped. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** SIGKILL: no shutdown, no drain; settles once the process has exited. */
  kill(): Promise<void>;
  /** SIGTERM, the graceful shutdown; settles with the exit code. */
  stop(): Promise<number | null>;
  /** Whether the process is still running. */
  running(): boolean;
}

/** One schema on PostgreSQL with an admin key, and servers started on it. */
export interface Deployment {
  schema: string;
  /** An admin key (`tg_sk_…`): every route, reconcile included. */
  token: string;
  /** The environment each server (and CLI command) of this deployment runs with. */
  env: Record<string, string>;
  /** Starts `tollgate serve` (of `command`, default the deployment's) on the schema, once /readyz answers 200. */
  start(options?: { port?: number; command?: ServerCommand }): Promise<ServerProcess>;
  /** A second key of the same strength, for tests that act as two callers. */
  createKey(name: string): Promise<string>;
  /** Kills what is still running, drops the schema and the work directory. */
  dispose(): Promise<void>;
}

/**
 * A fresh deployment on the test PostgreSQL, or undefined when none is reachable (the suite
 * then skips: these tests need several processes on one database, which PGlite cannot be).
 *
 * @example
 * const deployment = await openDeployment({ prefix: "crash" });
 * const server = await deployment.start();
 * await server.kill();
 * const again = await deployment.start();
 */
export async function openDeployment(
  options: { prefix: string; command?: ServerCommand; env?: Record<string, string> } = { prefix: "reliability" },
): Promise<Deployment | undefined> {
  const postgres = await testPostgres();
  if (!postgres?.databaseUrl) return undefined;
  const databaseUrl = postgres.databaseUrl;
  const schema = uniqueSchema(options.prefix.replaceAll("-", "_"));
  const workDir = mkdtempSync(join(tmpdir(), `tollgate-${options.prefix}-`));
  const configPath = join(workDir, "tollgate.json");
  writeFileSync(configPath, JSON.stringify(RELIABILITY_CONFIG));
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    TOLLGATE_SCHEMA: schema,
    TOLLGATE_CONFIG: configPath,
    // One key sends thousands of requests a second; a line per request would only fill a pipe.
    TOLLGATE_RATE_LIMIT_SECRET: "off",
    TOLLGATE_ACCESS_LOG: "off",
    ...options.env,
  };
  const createKey = async (name: string) =>
    json(await tollgate(["keys", "create", "--kind", "secret", "--admin", "--name", name, "--json"], env, workDir))
      .token as string;
  const servers: ServerProcess[] = [];
  let token: string;
  try {
    token = await createKey("reliability");
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  return {
    schema,
    token,
    env,
    createKey,
    async start(startOptions = {}) {
      const server = await startServer(startOptions.command ?? options.command ?? REAL_TOLLGATE, {
        env,
        cwd: workDir,
        port: startOptions.port ?? 0,
      });
      servers.push(server);
      return server;
    },
    async dispose() {
      await Promise.all(servers.filter((server) => server.running()).map((server) => server.kill()));
      const sql = await openDatabase({ databaseUrl, poolSize: 1 });
      try {
        await sql.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await sql.close();
        rmSync(workDir, { recursive: true, force: true });
      }
    },
  };
}

/** A port free now, for a server that must come back where its clients look for it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function startServer(
  command: ServerCommand,
  options: { env: Record<string, string>; cwd: string; port: number },
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [command.entry, "serve", "--port", String(options.port)], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await listeningUrl(child, command, () => stderr);
  await untilReady(url, child, () => stderr);
  return {
    url,
    pid: child.pid as number,
    running: () => child.exitCode === null && child.signalCode === null,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** The URL from the server's "listening" log line (its stdout is read to the end, so it never blocks on a full pipe). */
function listeningUrl(
  child: ChildProcessWithoutNullStreams,
  command: ServerCommand,
  stderr: () => string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const onExit = (code: number | null) =>
      reject(new Error(`${command.name} serve exited (${code ?? child.signalCode}) before listening: ${stderr()}`));
    child.once("exit", onExit);
    lines.on("line", (line) => {
      if (!line.includes('"listening"')) return;
      child.off("exit", onExit);
      resolve(JSON.parse(line).url);
    });
  });
}

/** Polls /readyz until it answers 200: the server listens and its database answers. */
async function untilReady(url: string, child: ChildProcessWithoutNullStreams, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`serve exited: ${stderr()}`);
    try {
      const response = await fetch(`${url}/readyz`);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet: poll again.
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url}/readyz did not answer 200 within ${READY_DEADLINE_MS} ms: ${stderr()}`);
}
