import { migrateStorage } from "@tollgate/server";
import type { Command } from "commander";
import { contextOf, storageLabel, storageOpenOptions } from "../context.ts";

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("apply pending database migrations; safe to run twice, or from two processes at once")
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      context.output.progress(`migrating ${storageLabel(context.config)}…`);
      const { applied } = await migrateStorage(context.config, storageOpenOptions(context));
      context.output.result({ schema: context.config.schema, applied }, () =>
        applied.length === 0
          ? ["nothing to apply: the schema is up to date"]
          : applied.map((migration) => `applied ${String(migration.version).padStart(4, "0")}_${migration.name}`),
      );
    });
}
