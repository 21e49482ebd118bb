import type { SqlExecutor } from "@tollgate/store";

/**
 * An MD5 of every row of every table in `schema`, per table: two calls agree only if no row
 * was added, removed or changed. Rows are ordered by their text, so the physical order does
 * not matter. `server_instances` is left out: it is each running server's heartbeat, rewritten
 * every second whatever the requests, and holds no ledger data.
 */
export async function tableChecksums(sql: SqlExecutor, schema: string): Promise<Record<string, string>> {
  const tables = await sql.query<{ table_name: string }>(
    `select table_name from information_schema.tables
     where table_schema = $1 and table_type = 'BASE TABLE' and table_name <> 'server_instances'
     order by table_name`,
    [schema],
  );
  const checksums: Record<string, string> = {};
  for (const { table_name: table } of tables) {
    const [row] = await sql.query<{ checksum: string; count: string }>(
      `select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as checksum, count(*)::text as count
       from "${schema}"."${table}" t`,
    );
    checksums[table] = `${row?.count} rows, ${row?.checksum}`;
  }
  return checksums;
}
