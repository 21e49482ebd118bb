// The API through a real listening server and real sockets (fetch), on the embedded PGlite in a
// temporary data directory and, when reachable, on PostgreSQL in a schema of its own: the
// behaviours a socket can break and app.request() cannot show — replayed bytes and headers, a
// Server-Sent Events stream read as it arrives, a request still uploading when shutdown begins.
import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ApiKeys, openDatabase } from "@tollgate/store";
import { testDatabases, uniqueSchema } from "@tollgate/store/testing";
import { loadServerConfig } from "../packages/server/src/config.ts";
import { SILENT_LOGGER } from "../packages/server/src/logger.ts";
import { type RunningServer, startServer } from "../packages/server/src/start-server.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tollgate-http-server-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

for (const database of await testDatabases()) {
  describe(`a listening server on ${database.name}`, () => {
    const schema = uniqueSchema("serve");
    let server: RunningServer;
    let secret: string;
    let sequence = 0;

    before(async () => {
      const env = database.databaseUrl
        ? { PORT: "0", DATABASE_URL: database.databaseUrl, TOLLGATE_SCHEMA: schema }
        : { PORT: "0", TOLLGATE_DATA_DIR: join(dataDir, "pglite") };
      server = await startServer(loadServerConfig(env, dataDir), {
        logger: SILENT_LOGGER,
        handleSignals: false,
        drainTimeoutMs: 5_000,
      });
      const keys = new ApiKeys(server.ledger.sql);
      secret = (await keys.create({ kind: "secret", name: "http-server test" })).token;
    });
    after(async () => {
      await server.close();
      if (database.databaseUrl) {
        const sql = await openDatabase({ databaseUrl: database.databaseUrl, poolSize: 1 });
        await sql.query(`drop schema if exists "${schema}" cascade`);
        await sql.close();
      }
    });

    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${secret}`,
          ...(method === "POST" ? { "idempotency-key": `server-${++sequence}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    test("an account, a grant, a charge replayed byte for byte, a 402 with details, a 401", async () => {
      assert.equal((await call("POST", "/v1/accounts", { type: "user", externalId: "alice" })).status, 200);
      const granted = await call("POST", "/v1/accounts/user:alice/grants", { amount: "100", source: "promo" });
      assert.equal(granted.status, 200, await granted.clone().text());

      const charge = () =>
        call("POST", "/v1/charges", { account: "user:alice", amount: "30" }, { "idempotency-key": "charge-1" });
      const first = await charge();
      const firstBytes = await first.text();
      assert.equal(first.status, 200, firstBytes);
      assert.equal(first.headers.get("idempotent-replayed"), null);
      assert.equal((JSON.parse(firstBytes) as { balance: string }).balance, "70");
      const again = await charge();
      assert.equal(again.status, 200);
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      assert.equal(again.headers.get("content-type"), first.headers.get("content-type"));
      assert.equal(await again.text(), firstBytes, "the stored response, byte for byte");

      const poor = await call("POST", "/v1/charges", { account: "user:alice", amount: "1000" });
      assert.equal(poor.status, 402);
      const refused = (await poor.json()) as { error: { code: string; details: object; requestId: string } };
      assert.equal(refused.error.code, "insufficient_credits");
      assert.deepEqual(refused.error.details, {
        reason: "insufficient_credits",
        unit: "credits",
        required: "1000",
        available: "70",
      });
      assert.equal(poor.headers.get("x-request-id"), refused.error.requestId);

      const anonymous = await fetch(`${server.url}/v1/accounts/user:alice`);
      assert.equal(anonymous.status, 401);
      const error = ((await anonymous.json()) as { error: { code: string; message: string; details: object } }).error;
      assert.deepEqual([error.code, error.details], ["unauthenticated", {}]);
      const balances = (await (await call("GET", "/v1/accounts/user:alice/balances")).json()) as {
        data: Array<{ balance: string }>;
      };
      assert.equal(balances.data[0]?.balance, "70", "the replay charged nothing");
    });

    test("the balance stream sends the balance now, then after a change", async () => {
      await call("POST", "/v1/accounts", { type: "user", externalId: "stream" });
      const controller = new AbortController();
      const response = await fetch(`${server.url}/v1/accounts/user:stream/events`, {
        headers: { authorization: `Bearer ${secret}` },
        signal: controller.signal,
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
      const events = sseEvents(response);
      try {
        const now = await events.next();
        assert.equal(now.event, "balance");
        assert.deepEqual(now.data, []);
        const granted = await call("POST", "/v1/accounts/user:stream/grants", { amount: "25", source: "promo" });
        assert.equal(granted.status, 200);
        const changed = await events.next();
        assert.equal(changed.event, "balance");
        assert.equal((changed.data as Array<{ balance: string }>)[0]?.balance, "25");
      } finally {
        controller.abort();
      }
    });

    test("shutting down lets a request that is still uploading finish, then refuses connections", async () => {
      const arrived = requestArrives("in-flight");
      const upload = new TransformStream<Uint8Array, Uint8Array>();
      const writer = upload.writable.getWriter();
      const body = new TextEncoder().encode(JSON.stringify({ account: "user:alice", amount: "5" }));
      const pending = fetch(`${server.url}/v1/charges`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${secret}`,
          "content-type": "application/json",
          "idempotency-key": "in-flight",
        },
        body: upload.readable,
        duplex: "half",
      } as RequestInit);
      await writer.write(body.subarray(0, 10));
      // The request is on the server (its headers read, its body not all there) when shutdown begins.
      await arrived;
      const closing = server.close();
      await writer.write(body.subarray(10));
      await writer.close();
      const response = await pending;
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal(((await response.json()) as { balance: string }).balance, "65");
      await closing;
      await assert.rejects(fetch(`${server.url}/healthz`));
    });
  });
}

/** Resolves once the server in this process has read the headers of the request with this Idempotency-Key. */
function requestArrives(idempotencyKey: string): Promise<void> {
  return new Promise((resolve) => {
    const onStart = (message: unknown) => {
      const { request } = message as { request: IncomingMessage };
      if (request.headers["idempotency-key"] !== idempotencyKey) return;
      unsubscribe("http.server.request.start", onStart);
      resolve();
    };
    subscribe("http.server.request.start", onStart);
  });
}

/** Reads `event:` / `data:` blocks off a fetch body as they arrive. */
function sseEvents(response: Response) {
  const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  return {
    async next(): Promise<{ event: string | null; data: unknown }> {
      for (;;) {
        const end = buffered.indexOf("\n\n");
        if (end >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const lines = block.split("\n");
          const data = lines.filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trim());
          if (data.length === 0) continue; // a heartbeat comment
          const event =
            lines
              .find((line) => line.startsWith("event:"))
              ?.slice(6)
              .trim() ?? null;
          return { event, data: JSON.parse(data.join("\n")) };
        }
        // A bound for a hang, not a delivery time: a busy machine may take seconds.
        const { done, value } = await withTimeout(reader.read(), 30_000);
        if (done) throw new Error("the stream ended");
        buffered += value;
      }
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
