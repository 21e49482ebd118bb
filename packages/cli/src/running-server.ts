import { findRunningServer, type RunningServerInfo, type ServerConfig } from "@tollgate/server";

/** The `tollgate serve` that holds this configuration's embedded data directory, if one runs. */
export function runningServerOf(config: ServerConfig): RunningServerInfo | null {
  const { storage } = config;
  if (storage.kind !== "pglite" || storage.dataDir.startsWith("memory://")) return null;
  const found = findRunningServer(storage.dataDir);
  return found.found === "server" ? found.info : null;
}
