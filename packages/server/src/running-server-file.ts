import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isProcessAlive } from "./data-dir-lock.ts";

/**
 * Where a `tollgate serve` on the embedded database says it is: `server.json` in the data
 * directory, readable by the directory's owner only (mode 0600), with the server's URL and its
 * local credential. The `tollgate` CLI reads it to work through the server instead of opening
 * the database, which only one process may hold.
 */
export const RUNNING_SERVER_FILE = "server.json";

export interface RunningServerInfo {
  pid: number;
  url: string;
  /** The server's local credential (local-credential.ts): an admin key for this process's life. */
  credential: string;
  startedAt: string;
}

/**
 * Writes the file (to a temporary name first, then renamed, so a reader never sees half of it)
 * and returns how to remove it again, which only removes it while it is still this one.
 *
 * @example
 * const remove = writeRunningServerFile(dataDir, { pid: process.pid, url, credential, startedAt });
 */
export function writeRunningServerFile(dataDir: string, info: RunningServerInfo): () => void {
  const path = join(dataDir, RUNNING_SERVER_FILE);
  const text = `${JSON.stringify(info, null, 2)}\n`;
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600, flag: "wx" });
  renameSync(temporary, path);
  return () => {
    try {
      if (readFileSync(path, "utf8") === text) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
}

export type RunningServerLookup =
  | { found: "none" }
  | { found: "server"; info: RunningServerInfo }
  /** The file is there, but this user may not read it: the server runs as someone else. */
  | { found: "unreadable"; path: string; reason: string };

/**
 * The server that runs on this data directory, if one does: its file names a live process.
 * A file left by a server that crashed names a dead one and is ignored.
 */
export function findRunningServer(dataDir: string): RunningServerLookup {
  const path = join(dataDir, RUNNING_SERVER_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { found: "none" };
    return { found: "unreadable", path, reason: code ?? String(error) };
  }
  let info: Partial<RunningServerInfo>;
  try {
    info = JSON.parse(text) as Partial<RunningServerInfo>;
  } catch {
    return { found: "none" }; // Not one of ours, or being replaced right now.
  }
  if (typeof info.pid !== "number" || typeof info.url !== "string" || typeof info.credential !== "string") {
    return { found: "none" };
  }
  if (!isProcessAlive(info.pid)) return { found: "none" };
  return { found: "server", info: info as RunningServerInfo };
}
