import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const REPOSITORY_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** The `tollgate` command as users run it: the bin, which runs the compiled build in dist/. */
export const TOLLGATE_BIN = fileURLToPath(new URL("../packages/cli/bin/tollgate.js", import.meta.url));

/** A start that takes longer is stuck, not slow: a limit on everything. */
const START_TIMEOUT_MS = 120_000;
/** How often a starting server is asked whether it is ready. */
const READY_POLL_MS = 5;

/**
 * Runs node with `args` in the repository and resolves to the milliseconds from spawning it
 * to its exit; an exit other than 0 throws with its stderr.
 *
 * @example
 * await runNode([TOLLGATE_BIN, "--help"]) // 180.4
 */
export async function runNode(args: string[], options: { env?: Record<string, string> } = {}): Promise<number> {
  const startedAt = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), START_TIMEOUT_MS);
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  const elapsedMs = performance.now() - startedAt;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`node ${args.join(" ")} ended with ${signal ?? `exit code ${code}`}: ${stderr}`);
  return elapsedMs;
}

/**
 * Starts `tollgate serve` on a free port and resolves to the milliseconds from spawning it to
 * the first 200 from `/readyz` (the database answers); then stops it with SIGTERM, as an
 * operator would, and waits for it to exit (not counted).
 */
export async function serveUntilReady(options: { env: Record<string, string> }): Promise<number> {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, [TOLLGATE_BIN, "serve", "--port", String(port), "--host", "127.0.0.1"], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  try {
    for (;;) {
      if (exitedEarly) throw new Error(`tollgate serve exited before it was ready: ${stderr}`);
      if (performance.now() - startedAt > START_TIMEOUT_MS)
        throw new Error(`tollgate serve not ready in ${START_TIMEOUT_MS} ms`);
      if (await answersReady(port)) return performance.now() - startedAt;
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
  } finally {
    if (!exitedEarly) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), START_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

async function answersReady(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false; // not listening yet
  }
}

/** A port nothing listens on right now (the kernel's pick), for the server to take. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port from the kernel");
  return address.port;
}
