/**
 * The one thing the store needs from a database: run a statement, run a transaction.
 * PGlite and PostgreSQL each implement it in a few lines; everything else is shared SQL.
 */
export interface SqlClient {
  readonly dialect: "pglite" | "postgres";
  /** Rows come back with `bigint` for int8 and `Date` for timestamptz. */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /**
   * Runs one statement whose commit does not wait for the disk: on PostgreSQL it runs with
   * `synchronous_commit = off`, so a crash of the database may lose its last fraction of a
   * second (never corrupt it). Only for rows whose loss a retry repairs, like the HTTP
   * Idempotency-Key store: each of its ledger operations carries the same key, committed
   * durably with the operation, so a lost row replays instead of charging twice. It saves
   * the ~4 ms fsync each commit otherwise waits for.
   */
  queryUnflushed<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements, without parameters (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Runs `work` in one transaction on one connection: committed if it resolves, rolled back if
   * it throws. On PostgreSQL the `begin` travels with the work's first statements and the
   * commit with `queryAndCommit`'s, so a transaction of a lock, a load and a write is two
   * round trips, not five.
   */
  transaction<T>(work: (tx: TransactionExecutor) => Promise<T>): Promise<T>;
  /**
   * Calls `onMessage` with the payload of every notification on `channel` in this schema
   * (sent by `notify`, from any process on PostgreSQL), and with null when some may have
   * been missed (the listening connection was lost and is back), so a cache can drop
   * everything. Resolves once listening; the returned function stops.
   */
  listen(channel: string, onMessage: (payload: string | null) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export type SqlExecutor = Pick<SqlClient, "query" | "exec">;

/** One statement with its parameters. */
export interface SqlStatement {
  text: string;
  params: readonly unknown[];
}

/** What a transaction's work runs its statements on. */
export interface TransactionExecutor extends SqlExecutor {
  /**
   * Sends `statements` back to back without waiting for each answer, and resolves with each
   * one's rows, in order. On PostgreSQL that is one round trip for all of them (`pg`'s pipeline
   * mode); PGlite, in this process, runs them one after another. Each is still a statement of
   * its own, run in order with its own snapshot: under READ COMMITTED a load sent behind a lock
   * starts after the lock is granted and sees what the lock's previous holder committed. Rejects
   * with the earliest statement's error (the ones after it fail too, the transaction aborted).
   *
   * @example
   * const [locked, loaded] = await tx.pipeline([lockStatement, loadStatement]);
   */
  pipeline(statements: readonly SqlStatement[]): Promise<Array<Array<Record<string, unknown>>>>;
  /**
   * Runs the transaction's last statement and commits, in one round trip on PostgreSQL. Nothing
   * may run on the transaction after it; an error (the statement's, or the commit's) rolls back.
   */
  queryAndCommit<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

/** Quotes an identifier such as a schema name; only plain names are accepted. */
export function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new RangeError(`"${name}" is not a valid schema name (lowercase letters, digits, _)`);
  }
  return `"${name}"`;
}

/** Joins a schema and a channel into the channel's name on the server. */
const CHANNEL_SEPARATOR = "__";

/** A channel's name on the server: one per schema, so deployments sharing a database stay apart. */
export function channelName(schema: string, channel: string): string {
  const name = `${schema}${CHANNEL_SEPARATOR}${channel}`;
  // Unquoted, so LISTEN and UNLISTEN agree on the name everywhere (PGlite strips quotes).
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new RangeError(`"${name}" is not a valid channel name`);
  return name;
}

/**
 * Notifies listeners of `channel` in the current schema; inside a transaction, they hear it
 * at commit, and never if it rolls back.
 */
export async function notify(tx: SqlExecutor, channel: string, payload: string): Promise<void> {
  await tx.query(`select pg_notify(${channelNameSql("$1")}, $2)`, [channel, payload]);
}

/**
 * The SQL expression of a channel's name in the current schema, the name `channelName` gives
 * the listener: `channelSql` is an SQL expression of the channel (a parameter, or a quoted
 * literal such as `'balances'`), for statements that notify (`pg_notify`) in bulk.
 *
 * @example
 * `select pg_notify(${channelNameSql("'balances'")}, $1)`
 */
export function channelNameSql(channelSql: string): string {
  return `(current_schema() || '${CHANNEL_SEPARATOR}' || ${channelSql})`;
}
