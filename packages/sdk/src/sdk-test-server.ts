// Test-only (never exported by the package): Tollgate's real app served on a real port over a
// fresh test ledger, with a secret key, and a "front" that stands between the SDK and it to
// refuse or drop chosen attempts (what the retry tests need), counting every attempt it sees.
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { defineLedgerConfig, type PlanCatalog } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { createApp } from "@tollgate/server";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, type TestDatabase } from "@tollgate/store/testing";

/** One attempt as the front saw it. */
export interface SeenAttempt {
  method: string;
  path: string;
  idempotencyKey: string | null;
}

/**
 * What the front does with attempt number `attempt` (0-based): pass it to the app, answer for
 * the app after passing it (`after`: the write happened, its answer is lost), answer instead
 * of it, or drop the connection.
 */
export type FrontScript = (
  attempt: number,
  seen: SeenAttempt,
) =>
  | { do: "pass" }
  | { do: "answer"; status: number; headers?: Record<string, string>; body?: unknown; after?: boolean }
  | { do: "drop" }
  | { do: "hang" };

export async function openSdkTestServer(database: TestDatabase, options: { catalog?: PlanCatalog } = {}) {
  const ledger = await openTestLedger(database, {
    config: defineLedgerConfig({ signupGrants: { user: [], organization: [], guest: [] } }),
  });
  if (options.catalog) await ledger.syncPlanCatalog(options.catalog);
  const meter = await Meter.open({ ledger });
  const keys = await ApiKeys.open(ledger.sql);
  const secret = (await keys.create({ kind: "secret", name: "backend" })).token;
  const admin = (await keys.create({ kind: "secret", name: "operator", admin: true })).token;
  const app = createApp({ ledger, meter, keys, ...(options.catalog ? { catalog: options.catalog } : {}) });
  const direct = await listen(getRequestListener(app.fetch));

  let script: FrontScript = () => ({ do: "pass" });
  const seen: SeenAttempt[] = [];
  const hanging: ServerResponse[] = [];
  const toApp = getRequestListener(app.fetch);
  const front = await listen(async (req: IncomingMessage, res: ServerResponse) => {
    const attempt: SeenAttempt = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      idempotencyKey: (req.headers["idempotency-key"] as string | undefined) ?? null,
    };
    const action = script(seen.length, attempt);
    seen.push(attempt);
    if (action.do === "pass") return toApp(req, res);
    if (action.do === "drop") return void req.socket.destroy();
    if (action.do === "hang") return void hanging.push(res);
    if (action.after) {
      // Let the app do the work, then throw its answer away and send ours.
      const body = await readBody(req);
      await app.request(attempt.path, {
        method: attempt.method,
        headers: req.headers as Record<string, string>,
        ...(body.length === 0 ? {} : { body }),
      });
    }
    res.writeHead(action.status, { "content-type": "application/json", ...action.headers });
    res.end(JSON.stringify(action.body ?? { error: { code: "unavailable", message: "try again", details: {} } }));
  });

  return {
    ledger,
    keys,
    secret,
    admin,
    /** The app, served as it is. */
    baseUrl: direct.url,
    /** The front, scripted by `script`. */
    frontUrl: front.url,
    /** Every attempt the front saw, in order. */
    seen,
    script(next: FrontScript) {
      script = next;
      seen.length = 0;
    },
    async close() {
      for (const res of hanging) res.destroy();
      await front.close();
      await direct.close();
      await keys.close();
      await meter.close();
      await ledger.dispose();
    },
  };
}

export type SdkTestServer = Awaited<ReturnType<typeof openSdkTestServer>>;

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => unknown) {
  const server: Server = createServer((req, res) => void handler(req, res));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
