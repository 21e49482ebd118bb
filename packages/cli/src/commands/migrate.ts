import { migrateStorage } from "@tollgate/server";
import type { Command } from "commander";
import { contextOf, storageLabel, storageOpenOptions } from "../context.ts";
import { runningServerOf } from "../running-server.ts";

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("apply pending database migrations; safe to run twice, or from two processes at once")
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      const running = runningServerOf(context.config);
      if (running) {
        // It migrated the data directory when it started, and no other process may open it.
        context.output.result(
          { schema: context.config.schema, applied: [], migratedBy: { pid: running.pid, url: running.url } },
          () => [
            `nothing to apply: the server at ${running.url} (pid ${running.pid}) migrated the schema when it started`,
          ],
        );
        return;
      }
      context.output.progress(`migrating ${storageLabel(context.config)}…`);
      const { applied } = await migrateStorage(context.config, storageOpenOptions(context));
      context.output.result({ schema: context.config.schema, applied }, () =>
        applied.length === 0
          ? ["nothing to apply: the schema is up to date"]
          : applied.map((migration) => `applied ${String(migration.version).padStart(4, "0")}_${migration.name}`),
      );
    });
}
