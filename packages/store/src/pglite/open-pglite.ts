import { mkdirSync } from "node:fs";
import { PGlite, types } from "@electric-sql/pglite";
import { channelName, quoteIdentifier, type SqlClient } from "../sql-client.ts";
import { initialiseFromTemplate, templateTarball } from "./data-dir-template.ts";

/**
 * The embedded default: PostgreSQL compiled to WASM, in this process, persisted in
 * `dataDir` (or in memory when it is "memory://"). One connection, so one writer.
 */
export async function openPglite(options: { dataDir: string; schema: string }): Promise<SqlClient> {
  const inMemory = options.dataDir.startsWith("memory://");
  // A new database starts from a copy of PGlite's own initdb output (data-dir-template.ts).
  const loadDataDir = inMemory ? templateTarball() : undefined;
  if (!inMemory) {
    mkdirSync(options.dataDir, { recursive: true });
    initialiseFromTemplate(options.dataDir);
  }
  const db = await PGlite.create(options.dataDir, {
    parsers: { [types.INT8]: (value: string) => BigInt(value) },
    ...(loadDataDir ? { loadDataDir } : {}),
  });
  const schema = quoteIdentifier(options.schema);
  await db.exec(`create schema if not exists ${schema}; set search_path to ${schema}, public;`);
  return {
    dialect: "pglite",
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await db.query<Row>(text, params as unknown[]);
      return result.rows;
    },
    // One process, one connection, in-memory or a data directory: nothing to skip.
    async queryUnflushed<Row>(text: string, params: readonly unknown[] = []) {
      return (await db.query<Row>(text, params as unknown[])).rows;
    },
    async exec(script: string) {
      await db.exec(script);
    },
    transaction(work) {
      return db.transaction((tx) => {
        const query = async <Row>(text: string, params: readonly unknown[] = []) =>
          (await tx.query<Row>(text, params as unknown[])).rows;
        // One connection in this process: nothing to gain by sending statements together.
        return work({
          query,
          async exec(script: string) {
            await tx.exec(script);
          },
          async pipeline(statements) {
            const results: Array<Array<Record<string, unknown>>> = [];
            for (const { text, params } of statements) results.push(await query(text, params));
            return results;
          },
          // PGlite commits when the work resolves.
          queryAndCommit: query,
        });
      });
    },
    async listen(channel, onMessage) {
      // PGlite is one process: nothing can be missed, so null never comes.
      return db.listen(channelName(options.schema, channel), (payload) => onMessage(payload));
    },
    async close() {
      await db.close();
    },
  };
}
