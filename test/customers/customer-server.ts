// A real `tollgate serve` for one customer's configuration (an example file in
// docs/operating/examples/), on the embedded PGlite in a temporary directory or on PostgreSQL
// in a schema of its own, and an HTTP client for it with an admin key: what an app's backend
// sees. Every customer test drives Tollgate through this API only.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiKeys, openDatabase } from "@tollgate/store";
import { type TestDatabase, uniqueSchema } from "@tollgate/store/testing";
import { loadServerConfig } from "../../packages/server/src/config.ts";
import { createJsonLogger, SILENT_LOGGER } from "../../packages/server/src/logger.ts";
import { type RunningServer, startServer } from "../../packages/server/src/start-server.ts";

/** An example configuration file, by name (docs/operating/examples/NAME.json). */
export const exampleConfig = (name: string) =>
  fileURLToPath(new URL(`../../docs/operating/examples/${name}.json`, import.meta.url));

export interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** An error answer's `error` object. */
export interface ErrorJson {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** The error of an answer, after checking its status. */
export function errorOf(answer: Answer, status: number): ErrorJson {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  return (answer.body as { error: ErrorJson }).error;
}

export interface CustomerServer {
  server: RunningServer;
  /** An admin key's request; a POST gets a fresh Idempotency-Key unless `key` is given. */
  call(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
    options?: { key?: string; token?: string },
  ): Promise<Answer>;
  /** The same, asserting a 200 and returning its body as the caller says it is shaped. */
  ok<T>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
    options?: { key?: string; token?: string },
  ): Promise<T>;
  close(): Promise<void>;
}

/**
 * Starts a server with the example configuration `config` on `database`; `options.clock` is
 * the server's clock, for a test that moves time on (periods, expiries).
 *
 * @example
 * const customer = await startCustomerServer(database, "chat-app-free-and-paid-tokens");
 * await customer.ok("POST", "/v1/accounts", { type: "user", externalId: "alice" });
 */
export async function startCustomerServer(
  database: TestDatabase,
  config: string,
  env: Record<string, string> = {},
  options: { clock?: () => Date } = {},
): Promise<CustomerServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "tollgate-customer-"));
  const schema = uniqueSchema("customer");
  const storage = database.databaseUrl
    ? { DATABASE_URL: database.databaseUrl, TOLLGATE_SCHEMA: schema }
    : { TOLLGATE_DATA_DIR: join(dataDir, "pglite") };
  const server = await startServer(
    loadServerConfig({ PORT: "0", TOLLGATE_CONFIG: exampleConfig(config), ...storage, ...env }, dataDir),
    {
      // CUSTOMER_LOG=1 prints the server's log, to see why an answer was a 500.
      logger: process.env.CUSTOMER_LOG ? createJsonLogger() : SILENT_LOGGER,
      handleSignals: false,
      drainTimeoutMs: 5_000,
      ...(options.clock ? { clock: options.clock } : {}),
    },
  );
  const admin = (await new ApiKeys(server.ledger.sql).create({ kind: "secret", admin: true, name: "customer test" }))
    .token;
  let sequence = 0;
  const call: CustomerServer["call"] = async (method, path, body, options = {}) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token ?? admin}`,
        ...(method === "POST" ? { "idempotency-key": options.key ?? `customer-${++sequence}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
  };
  return {
    server,
    call,
    async ok<T>(
      method: "GET" | "POST" | "DELETE",
      path: string,
      body?: unknown,
      options?: { key?: string; token?: string },
    ) {
      const answer = await call(method, path, body, options);
      assert.equal(answer.status, 200, `${method} ${path}: ${JSON.stringify(answer.body)}`);
      return answer.body as T;
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (database.databaseUrl) {
        const sql = await openDatabase({ databaseUrl: database.databaseUrl, poolSize: 1 });
        await sql.query(`drop schema if exists "${schema}" cascade`);
        await sql.close();
      }
    },
  };
}
