import { openPglite } from "./pglite/open-pglite.ts";
import { openPostgres } from "./postgres/open-postgres.ts";
import type { SqlClient } from "./sql-client.ts";

export interface DatabaseOptions {
  /** `postgres://…` for a real PostgreSQL; absent for the embedded PGlite. */
  databaseUrl?: string;
  /** Where PGlite keeps its data; `memory://` keeps nothing. Default `./.tollgate`. */
  dataDir?: string;
  /** The schema that holds every table. Default `tollgate`. */
  schema?: string;
  /** Connections in the PostgreSQL pool. Default 10. */
  poolSize?: number;
}

export const DEFAULT_DATA_DIR = "./.tollgate";
export const DEFAULT_SCHEMA = "tollgate";

/** Opens PostgreSQL when a URL is given, the embedded PGlite otherwise. */
export function openDatabase(options: DatabaseOptions = {}): Promise<SqlClient> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  if (options.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(options.databaseUrl)) {
      throw new RangeError("DATABASE_URL must start with postgres:// or postgresql://");
    }
    return openPostgres({ connectionString: options.databaseUrl, schema, poolSize: options.poolSize ?? 10 });
  }
  return openPglite({ dataDir: options.dataDir ?? DEFAULT_DATA_DIR, schema });
}
