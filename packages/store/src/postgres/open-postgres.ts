import { createHash } from "node:crypto";
import pg from "pg";
import { channelName, quoteIdentifier, type SqlClient } from "../sql-client.ts";
import { listenWithReconnect } from "./listen.ts";

const INT8_OID = 20;

/** Parses int8 as bigint for this pool only, leaving `pg`'s global parsers alone. */
const bigintTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID) return (value: string) => BigInt(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/**
 * A real PostgreSQL (14 or later) through a connection pool; every table lives in
 * `schema`, so Tollgate can share an existing database.
 */
export async function openPostgres(options: {
  connectionString: string;
  schema: string;
  poolSize: number;
}): Promise<SqlClient> {
  const schema = quoteIdentifier(options.schema);
  const newPool = (max: number, settings: string) => {
    const created = new pg.Pool({
      connectionString: options.connectionString,
      max,
      types: bigintTypes,
      // Set at connection start-up, so every statement on every connection sees the schema.
      options: `-c search_path=${schema},public${settings}`,
    });
    created.on("error", () => {
      // An idle connection dropped by the server; the pool replaces it on next use.
    });
    return created;
  };
  const pool = newPool(options.poolSize, "");
  await pool.query("select 1");
  // Opened on first use: most clients (the CLI, migrations) never need it.
  let unflushedPool: pg.Pool | undefined;
  const statement = namedStatements();
  return {
    dialect: "postgres",
    async query<Row>(text: string, params: readonly unknown[] = []) {
      return (await pool.query(statement(text, params))).rows as Row[];
    },
    async queryUnflushed<Row>(text: string, params: readonly unknown[] = []) {
      // A plan per execution: these statements join a table that grows from empty (the HTTP
      // Idempotency-Key rows), and a generic plan cached while it was small kept scanning the
      // whole table for every grouped update until autovacuum analyzed it, a minute later.
      unflushedPool ??= newPool(UNFLUSHED_POOL_SIZE, " -c synchronous_commit=off -c plan_cache_mode=force_custom_plan");
      return (await unflushedPool.query(statement(text, params))).rows as Row[];
    },
    async exec(script: string) {
      await pool.query(script);
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query("begin");
        const result = await work({
          async query<Row>(text: string, params: readonly unknown[] = []) {
            return (await client.query(statement(text, params))).rows as Row[];
          },
          async exec(script: string) {
            await client.query(script);
          },
        });
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    listen(channel, onMessage) {
      return listenWithReconnect(pool, channelName(options.schema, channel), onMessage);
    },
    async close() {
      await Promise.all([pool.end(), unflushedPool?.end()]);
    },
  };
}

/** Connections for statements that skip the fsync: they are short, so a few serve many requests. */
const UNFLUSHED_POOL_SIZE = 4;

/** The most distinct statements prepared per pool; any beyond run unnamed (parsed each time). */
const NAMED_STATEMENTS_MAX = 500;

/**
 * Gives each parameterized statement a stable name, so every connection parses and plans it
 * once and afterwards only binds and executes it: parsing and planning were a quarter to a
 * third of PostgreSQL's CPU per charge (docs/operating/benchmarks.md). The hot statements
 * are a small fixed set; the cap keeps an unusual caller from growing it without bound.
 */
function namedStatements() {
  const names = new Map<string, string>();
  return (text: string, params: readonly unknown[]): pg.QueryConfig => {
    const values = params as unknown[];
    if (values.length === 0) return { text, values };
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= NAMED_STATEMENTS_MAX) return { text, values };
      name = `tollgate_${createHash("sha1").update(text).digest("hex").slice(0, 40)}`;
      names.set(text, name);
    }
    return { name, text, values };
  };
}
