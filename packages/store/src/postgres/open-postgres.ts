import { createHash } from "node:crypto";
import pg from "pg";
import { channelName, quoteIdentifier, type SqlClient, type TransactionExecutor } from "../sql-client.ts";
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
      // Statements issued without awaiting the one before go out back to back, each with its own
      // sync point: a transaction's begin, lock and load are one round trip (TransactionExecutor).
      pipeline: true,
      // A connect that hangs (a database that vanished without a reset) fails instead of holding
      // its request forever; the HTTP layer answers it 503 (isDatabaseUnavailable).
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // Finds a peer that vanished under an idle connection, rather than on the next query.
      keepAlive: true,
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
      // A checked-out client has no listener of the pool's: without one, a connection
      // PostgreSQL terminates mid-transaction (a failover, a restart, pg_terminate_backend)
      // emits an 'error' nobody handles, and that ends the process. The query in flight
      // rejects with the same error, so the work fails on its own; this only keeps it.
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken ??= error;
      };
      client.on("error", onError);
      try {
        const tx = pipelinedTransaction(client, statement);
        const result = await work(tx);
        await tx.commitUnlessCommitted();
        return result;
      } catch (error) {
        // A connection whose rollback fails is in an unknown state: destroyed too.
        if (broken === undefined)
          await client.query("rollback").catch((rollbackError: Error) => onError(rollbackError));
        throw error;
      } finally {
        client.off("error", onError);
        // A broken connection is destroyed, not handed to the next transaction.
        client.release(broken);
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

/**
 * A transaction's statements on a pipelined connection: the `begin` is sent, not awaited, so it
 * travels with the first statements of the work; `queryAndCommit` sends the last statement with
 * the commit. Every statement sent is awaited before its caller goes on, so no error is left
 * unhandled and the first one, in the order sent, is the one reported.
 */
function pipelinedTransaction(
  client: pg.PoolClient,
  statement: (text: string, params: readonly unknown[]) => pg.QueryConfig,
): TransactionExecutor & { commitUnlessCommitted(): Promise<void> } {
  let begin: Promise<pg.QueryResult> | null = client.query("begin");
  // Handled here too: work that throws before sending anything never awaits it (its rollback follows it).
  begin.catch(() => {});
  let committed = false;
  const send = async (sent: Array<Promise<pg.QueryResult>>): Promise<Array<Array<Record<string, unknown>>>> => {
    const leading = begin;
    begin = null;
    const results = await inOrder(leading ? [leading, ...sent] : sent);
    return (leading ? results.slice(1) : results).map((result) => result.rows);
  };
  const run = (text: string, params: readonly unknown[]) => client.query(statement(text, params));
  return {
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const [rows] = await send([run(text, params)]);
      return rows as Row[];
    },
    async exec(script: string) {
      await send([client.query(script)]);
    },
    pipeline(statements) {
      return send(statements.map(({ text, params }) => run(text, params)));
    },
    async queryAndCommit<Row>(text: string, params: readonly unknown[] = []) {
      committed = true;
      const [rows] = await send([run(text, params), client.query("commit")]);
      return rows as Row[];
    },
    async commitUnlessCommitted() {
      if (!committed) await send([client.query("commit")]);
    },
  };
}

/** Waits for every promise and returns their values, or throws the earliest one's error. */
async function inOrder<T>(promises: Array<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

/** How long a new connection may take before the request that needs it fails as unavailable. */
const CONNECT_TIMEOUT_MS = 10_000;

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
