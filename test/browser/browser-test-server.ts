import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { serve } from "@hono/node-server";
import { defineLedgerConfig, type PlanCatalog } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { Meter } from "@tollgate/metering";
import { createApp } from "@tollgate/server";
import { ApiKeys, BalanceEvents } from "@tollgate/store";
import { openTestLedger, type TestDatabase } from "@tollgate/store/testing";

/** Free and Pro, monthly: what the plan picker lists and the usage panel's allocation comes from. */
export const BROWSER_TEST_CATALOG: PlanCatalog = {
  plans: [
    testPlan({ id: "free", name: "Free", allocations: [allocation({ amountMinor: 100n })] }),
    testPlan({
      id: "pro",
      name: "Pro",
      price: { amountMinor: 2000n, currency: "usd" },
      allocations: [allocation({ amountMinor: 5000n })],
    }),
  ],
  packs: [],
  defaultPlans: {},
};

/**
 * Tollgate on a real port (createApp, the live events stream, the widget script) over a test
 * ledger: what the browser tests point pages at. Writes go through its HTTP API with a secret
 * key, as an app's backend makes them.
 */
export async function openBrowserTestServer(database: TestDatabase, options: { widgetScriptPath: string }) {
  const ledger = await openTestLedger(database, {
    config: defineLedgerConfig({ signupGrants: { user: [], organization: [], guest: [] } }),
  });
  await ledger.syncPlanCatalog(BROWSER_TEST_CATALOG);
  const meter = await Meter.open({ ledger });
  const keys = await ApiKeys.open(ledger.sql);
  const balanceEvents = new BalanceEvents(ledger.sql);
  const secret = (await keys.create({ kind: "secret", name: "backend" })).token;
  const app = createApp({
    ledger,
    meter,
    keys,
    balanceEvents,
    catalog: BROWSER_TEST_CATALOG,
    widgetScriptPath: options.widgetScriptPath,
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  if (!server.listening) await once(server, "listening");
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The sockets the live streams are on, to cut them as a network drop would.
  const streamSockets = new Set<Socket>();
  server.on("request", (request, response) => {
    if (!request.url?.endsWith("/events")) return;
    streamSockets.add(request.socket);
    response.on("close", () => streamSockets.delete(request.socket));
  });
  let writes = 0;

  /** A call to the API with the secret key; a refusal throws with the server's answer. */
  const call = async <T = Record<string, unknown>>(method: "GET" | "POST", path: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${secret}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(method === "POST" ? { "idempotency-key": `browser-test-${++writes}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };

  return {
    baseUrl,
    call,
    /** An end user's account (opened by its grant) and a customer token for it. */
    async customer(externalId: string, options: { grant?: string; plan?: string }) {
      const account = `user:${externalId}`;
      if (options.plan) await call("POST", `/v1/accounts/${account}/subscription`, { plan: options.plan });
      if (options.grant)
        await call("POST", `/v1/accounts/${account}/grants`, { amount: options.grant, source: "promo" });
      const { id: accountId } = await call<{ id: string }>("GET", `/v1/accounts/${account}`);
      const { token, key } = await keys.create({ kind: "customer", name: externalId, accountId });
      return { account, token, keyId: key.keyId };
    },
    /** The account's available credits, as the API shows them. */
    async available(account: string): Promise<string> {
      const { data } = await call<{ data: Array<{ unit: string; available: string }> }>(
        "GET",
        `/v1/accounts/${account}/balances`,
      );
      return data.find((row) => row.unit === "credits")?.available ?? "0";
    },
    /** Cuts the connections of the open live streams, as a restart or a network drop would. */
    dropStreams(): number {
      const dropped = streamSockets.size;
      for (const socket of streamSockets) socket.destroy();
      return dropped;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await balanceEvents.close();
      await keys.close();
      await meter.close();
      await ledger.dispose();
    },
  };
}

export type BrowserTestServer = Awaited<ReturnType<typeof openBrowserTestServer>>;
