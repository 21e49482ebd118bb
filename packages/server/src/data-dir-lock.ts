import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";

/**
 * PGlite runs PostgreSQL inside one process: two processes opening one data directory would
 * corrupt it. A lock file in the directory makes the second wait (a `migrate` racing another
 * finishes after it), then fail with a message that says what holds the directory.
 *
 * A crashed holder leaves its file behind; a lock whose process is gone is taken over.
 */
export interface DataDirLock {
  release(): void;
}

export const LOCK_FILE = "tollgate.lock";

/** A lock file that cannot be read this long after it was written was left by a crash mid-write. */
const UNREADABLE_LOCK_STALE_MS = 10_000;

export async function lockDataDir(
  dataDir: string,
  options: { waitMs?: number; pollMs?: number; onWait?: (holder: string) => void } = {},
): Promise<DataDirLock> {
  const waitMs = options.waitMs ?? 30_000;
  const pollMs = options.pollMs ?? 100;
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    const lock = tryCreate(path);
    if (lock) return lock;
    const holder = readHolder(path);
    if (holder && !isProcessAlive(holder.pid)) {
      removeIfSame(path, holder.raw);
      continue;
    }
    if (!holder && isOlderThan(path, UNREADABLE_LOCK_STALE_MS)) {
      removeIfSame(path, readFileSync(path, "utf8"));
      continue;
    }
    const who = holder ? `process ${holder.pid} (${holder.command})` : "another process";
    if (Date.now() >= deadline) {
      throw new Error(
        `the data directory ${dataDir} is in use by ${who}. The embedded database allows one process at a time: ` +
          "stop it, or set DATABASE_URL to share a PostgreSQL between processes",
      );
    }
    if (!told) options.onWait?.(who);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function tryCreate(path: string): DataDirLock | null {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return null;
    throw error;
  }
  const raw = JSON.stringify({ pid: process.pid, command: process.argv.slice(1).join(" ").slice(0, 200) });
  writeSync(fd, raw);
  closeSync(fd);
  const release = () => {
    process.off("exit", release);
    removeIfSame(path, raw);
  };
  // An orderly exit that skipped close() still frees the directory.
  process.on("exit", release);
  return { release };
}

function readHolder(path: string): { pid: number; command: string; raw: string } | null {
  try {
    const raw = readFileSync(path, "utf8");
    const parsed = JSON.parse(raw) as { pid?: unknown; command?: unknown };
    return typeof parsed.pid === "number" ? { pid: parsed.pid, command: String(parsed.command ?? "?"), raw } : null;
  } catch {
    return null; // Being written right now, or removed: look again on the next poll.
  }
}

function isOlderThan(path: string, ageMs: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ageMs;
  } catch {
    return false;
  }
}

/** Whether a process with this id runs (EPERM: it does, as another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function removeIfSame(path: string, raw: string): void {
  try {
    if (readFileSync(path, "utf8") === raw) unlinkSync(path);
  } catch {
    // Already gone.
  }
}
