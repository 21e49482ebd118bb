import type { ServerInstances } from "@tollgate/store";
import { startBackgroundLoop } from "./background-loop.ts";
import type { Logger } from "./logger.ts";

/** How often a server process says it is alive (`server_instances.heartbeat_at`). */
export const INSTANCE_HEARTBEAT_MS = 1000;
/** How long an instance may go without a beat before its row is deleted for good. */
export const DEAD_INSTANCE_RETENTION_MS = 3_600_000;

/** This process's row in `server_instances`, kept alive until `stop`. */
export interface InstanceHeartbeat {
  readonly id: string;
  /** Stops beating and removes the row: the keys this instance still holds are free at once. */
  stop(): Promise<void>;
}

/**
 * Registers this server process as an instance and beats its heartbeat every `intervalMs`,
 * so the Idempotency-Key reservations it makes can be taken over within seconds if it dies
 * (HttpIdempotencyStore.reserve). On the embedded database, where only one process can hold
 * the data directory, every other instance recorded is a predecessor that died, so its rows
 * are removed at once and its keys are free from the first request on. Each pass also
 * deletes instances that have not beaten for an hour: they are dead, and a reservation
 * naming a missing instance reads the same as one naming a stale one.
 *
 * @example
 * const heartbeat = await startInstanceHeartbeat(new ServerInstances(ledger.sql), { logger, clock: () => ledger.now() });
 * await heartbeat.stop();
 */
export async function startInstanceHeartbeat(
  instances: Pick<ServerInstances, "register" | "heartbeat" | "remove" | "removeOthers" | "purgeDead">,
  options: { logger: Logger; clock: () => Date; intervalMs?: number; soleInstance?: boolean },
): Promise<InstanceHeartbeat> {
  const { clock, logger } = options;
  const id = await instances.register(clock());
  if (options.soleInstance) {
    const removed = await instances.removeOthers(id);
    if (removed > 0) logger.info("took over from a server that did not shut down cleanly", { instances: removed });
  }
  const loop = startBackgroundLoop({
    name: "instance heartbeat",
    intervalMs: options.intervalMs ?? INSTANCE_HEARTBEAT_MS,
    logger,
    pass: async () => {
      const now = clock();
      await instances.heartbeat(id, now);
      await instances.purgeDead(new Date(now.getTime() - DEAD_INSTANCE_RETENTION_MS));
      return { itemsDone: 1, full: false };
    },
  });
  let stopping: Promise<void> | undefined;
  return {
    id,
    stop() {
      stopping ??= (async () => {
        await loop.stop();
        await instances.remove(id);
      })();
      return stopping;
    },
  };
}
