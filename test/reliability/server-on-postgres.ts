import { ApiKeys, openDatabase, type SqlClient } from "@tollgate/store";
import { uniqueSchema } from "@tollgate/store/testing";
import { loadServerConfig } from "../../packages/server/src/config.ts";
import { type Logger, SILENT_LOGGER } from "../../packages/server/src/logger.ts";
import { type RunningServer, startServer } from "../../packages/server/src/start-server.ts";

/** A `tollgate serve` in this process on PostgreSQL, in a schema of its own, with the keys a test calls it with. */
export interface ServerOnPostgres {
  server: RunningServer;
  schema: string;
  /** A secret key's token: charges and grants. */
  secret: string;
  /** An admin key's token: reconcile. */
  admin: string;
  /** A connection of the test's own, straight to PostgreSQL (not through the server's pool or a proxy). */
  direct: SqlClient;
  /** Calls the server; a POST gets a fresh Idempotency-Key unless one is given. */
  call(method: string, path: string, options?: { body?: unknown; key?: string; token?: string }): Promise<Response>;
  /** Stops the server and drops its schema. */
  dispose(): Promise<void>;
}

/**
 * Starts the server as `tollgate serve` runs it (background jobs included) on `serverDatabaseUrl`,
 * which may name a unique `application_name` or point at a proxy; `directDatabaseUrl` is the
 * same database reached straight, for set-up checks and clean-up.
 */
export async function startServerOnPostgres(options: {
  serverDatabaseUrl: string;
  directDatabaseUrl: string;
  logger?: Logger;
}): Promise<ServerOnPostgres> {
  const schema = uniqueSchema("faults");
  const server = await startServer(
    loadServerConfig(
      {
        PORT: "0",
        DATABASE_URL: options.serverDatabaseUrl,
        TOLLGATE_SCHEMA: schema,
        // Loops that charge as fast as they are answered pass the default 100 a second per key as
        // soon as answers come fast (503s while the database is away, a quick machine): the faults
        // under test are the database's, not a client over its rate limit.
        TOLLGATE_RATE_LIMIT_SECRET: "off",
      },
      process.cwd(),
    ),
    {
      logger: options.logger ?? SILENT_LOGGER,
      handleSignals: false,
      drainTimeoutMs: 5_000,
      sweepIntervalMs: 200,
      webhookIntervalMs: 200,
    },
  );
  const direct = await openDatabase({ databaseUrl: options.directDatabaseUrl, schema, poolSize: 2 });
  const keys = new ApiKeys(direct);
  const secret = (await keys.create({ kind: "secret", name: "database faults" })).token;
  const admin = (await keys.create({ kind: "secret", admin: true, name: "database faults (admin)" })).token;
  let sequence = 0;
  const call: ServerOnPostgres["call"] = (method, path, callOptions = {}) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${callOptions.token ?? secret}`,
        ...(method === "POST" ? { "idempotency-key": callOptions.key ?? `setup-${++sequence}` } : {}),
        ...(callOptions.body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(callOptions.body === undefined ? {} : { body: JSON.stringify(callOptions.body) }),
    });
  return {
    server,
    schema,
    secret,
    admin,
    direct,
    call,
    async dispose() {
      await server.close();
      await direct.query(`drop schema if exists "${schema}" cascade`);
      await direct.close();
    },
  };
}

/** The database URL with `application_name` set, so a test can find its own backends and no one else's. */
export function withApplicationName(databaseUrl: string, applicationName: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set("application_name", applicationName);
  return url.toString();
}
