import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** How long a child may take to shut down (close its server, drop its schema) before it is killed. */
const STOP_TIMEOUT_MS = 30_000;
const REPOSITORY_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** A server running in a child process, what it announced when ready, and how to end it. */
export interface ChildServer<Info> {
  info: Info;
  pid: number;
  /** Closes the child's stdin (its signal to shut down cleanly) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Runs `script` (a file beside this one) under `node --import tsx` and waits for its first
 * line on stdout, one JSON object: what it listens on. The server under test gets a process
 * of its own so the load generator never shares its event loop. Its stderr is ours (its
 * progress lines); it shuts down when its stdin closes, so it also ends if this process dies.
 */
export async function startChildServer<Info>(
  script: string,
  options: { args?: string[]; env?: Record<string, string> } = {},
): Promise<ChildServer<Info>> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", path, ...(options.args ?? [])], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const line = await firstLine(child, script);
  return {
    info: JSON.parse(line) as Info,
    pid: child.pid as number,
    async stop() {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      const [code, signal] = await exited;
      clearTimeout(timer);
      if (code !== 0) throw new Error(`${script} ended with ${signal ?? `exit code ${code}`}`);
    },
  };
}

function firstLine(child: ChildProcess, script: string): Promise<string> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${script} exited (code ${code}) before it was ready`));
    child.once("error", reject);
    child.once("exit", onExit);
    lines.once("line", (line) => {
      child.off("exit", onExit);
      resolve(line);
    });
  });
}
