/**
 * The one thing the store needs from a database: run a statement, run a transaction.
 * PGlite and PostgreSQL each implement it in a few lines; everything else is shared SQL.
 */
export interface SqlClient {
  readonly dialect: "pglite" | "postgres";
  /** Rows come back with `bigint` for int8 and `Date` for timestamptz. */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements, without parameters (migrations). */
  exec(script: string): Promise<void>;
  /** Runs `work` in one transaction on one connection: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type SqlExecutor = Pick<SqlClient, "query" | "exec">;

/** Quotes an identifier such as a schema name; only plain names are accepted. */
export function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new RangeError(`"${name}" is not a valid schema name (lowercase letters, digits, _)`);
  }
  return `"${name}"`;
}
