import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { defineLedgerConfig, type PlanCatalog } from "@tollgate/core";
import { definePricingConfig, Meter, type PricingConfig } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, type TestDatabase } from "@tollgate/store/testing";
import { createApp } from "../create-app.ts";
import { FakeAnthropic } from "./fake-anthropic.ts";
import { FakeOpenRouter } from "./fake-openrouter.ts";
import { ProxyLimits } from "./limits/proxy-limits.ts";
import { DEFAULT_PROXY_LIMITS, type ProxyLimitsConfig } from "./limits/proxy-limits-config.ts";
import type { ScheduleTimer } from "./limits/stream-deadline.ts";

/** The proxy's tests' pricing: OpenRouter's cost, 2x markup, 10,000 credits a dollar. */
export const PROXY_TEST_PRICING = definePricingConfig({
  creditsPerUsd: "10000",
  markup: { default: "2" },
  costSource: "provider_reported",
});

/**
 * The test app's limits unless a test sets its own: none an account meets, so a test of 200
 * concurrent calls on one account tests the hold, not the limits (their own tests set them).
 */
export const UNMET_PROXY_LIMITS: ProxyLimitsConfig = Object.freeze({
  ...DEFAULT_PROXY_LIMITS,
  concurrentPerAccountMax: 1_000_000,
  ratePerAccount: null,
});

/**
 * Tollgate served on a real port with the proxy pointed at a fake OpenRouter and a fake
 * Anthropic, on a fresh test ledger: what an `openai` client (`baseURL`) and an
 * `@anthropic-ai/sdk` client (`anthropicBaseURL`) are pointed at in the proxy's tests.
 */
export async function openProxyTestApp(
  database: TestDatabase,
  options: {
    catalog?: PlanCatalog;
    clock?: () => Date;
    clampMaxTokens?: boolean;
    /** The upstream's timeouts (the defaults are minutes). */
    headersTimeoutMs?: number;
    idleTimeoutMs?: number;
    /** Another upstream than the fake (one that is not there, say). */
    upstreamBaseUrl?: string;
    pricing?: PricingConfig;
    /** The proxy's limits (default `UNMET_PROXY_LIMITS`), its rate clock and its stream deadline's timer. */
    limits?: Partial<ProxyLimitsConfig>;
    limitsNowMs?: () => number;
    schedule?: ScheduleTimer;
  } = {},
) {
  const ledger = await openTestLedger(database, {
    config: defineLedgerConfig({ signupGrants: { user: [], organization: [], guest: [] } }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  if (options.catalog) await ledger.syncPlanCatalog(options.catalog);
  const meter = await Meter.open({ ledger, pricing: options.pricing ?? PROXY_TEST_PRICING });
  const holds = { gate: null as Promise<void> | null, placed: 0 };
  // The one seam into the meter: a test may keep the proxy's hold waiting at a gate (the real
  // hold, on the real database, is placed once it opens), to show what happens meanwhile.
  const authorizeCall = meter.authorizeCall.bind(meter);
  meter.authorizeCall = async (input) => {
    if (holds.gate) await holds.gate;
    const result = await authorizeCall(input);
    holds.placed += 1;
    return result;
  };
  const keys = await ApiKeys.open(ledger.sql);
  const secret = (await keys.create({ kind: "secret", name: "backend" })).token;
  const upstream = await FakeOpenRouter.start();
  const anthropic = await FakeAnthropic.start();
  const limits = new ProxyLimits(
    { ...UNMET_PROXY_LIMITS, ...options.limits },
    {
      ...(options.limitsNowMs ? { nowMs: options.limitsNowMs } : {}),
      ...(options.schedule ? { schedule: options.schedule } : {}),
    },
  );
  const app = createApp({
    ledger,
    meter,
    keys,
    proxy: {
      baseUrl: options.upstreamBaseUrl ?? upstream.baseUrl,
      apiKey: "sk-or-test",
      ...(options.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: options.headersTimeoutMs }),
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
      defaultProvider: "openai",
      drainBytesMax: 1 << 20,
      ...(options.clampMaxTokens === undefined ? {} : { clampMaxTokens: options.clampMaxTokens }),
    },
    anthropicProxy: { baseUrl: anthropic.baseUrl, apiKey: "sk-ant-test", drainBytesMax: 1 << 20 },
    proxyLimits: limits,
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  if (!server.listening) await once(server, "listening");
  /** Answers the proxy has finished (written or abandoned by their client). */
  let closedResponses = 0;
  server.on("request", (_req, res) => res.on("close", () => (closedResponses += 1)));
  const { port } = server.address() as AddressInfo;
  return {
    ledger,
    meter,
    keys,
    secret,
    upstream,
    anthropic,
    limits,
    baseURL: `http://127.0.0.1:${port}/openai/v1`,
    /** The Anthropic client's `baseURL`: it calls `${anthropicBaseURL}/v1/messages`. */
    anthropicBaseURL: `http://127.0.0.1:${port}/anthropic`,
    closedResponses: () => closedResponses,
    /** `gate`: the proxy's holds wait for it (null: at once); `placed`: holds answered (placed or refused). */
    holds,
    /** A funded user with a customer token. */
    async customer(externalId: string, credits: bigint) {
      const account = { type: "user" as const, externalId };
      const granted = await ledger.grant({
        account,
        amountMinor: credits,
        source: "promo",
        idempotencyKey: `g-${externalId}`,
      });
      if (!granted.ok) throw new Error(`grant refused: ${granted.code}`);
      const { token } = await keys.create({ kind: "customer", name: externalId, accountId: granted.value.accountId });
      return { accountId: granted.value.accountId, token };
    },
    /** A user with a customer token and no credits at all. */
    async brokeCustomer(externalId: string) {
      const { accountId } = await ledger.ensureAccount({ type: "user", externalId });
      const { token } = await keys.create({ kind: "customer", name: externalId, accountId });
      return { accountId, token };
    },
    /** The account's credits: balance and held, read fresh. */
    async credits(accountId: string): Promise<{ balanceMinor: bigint; heldMinor: bigint }> {
      const [view] = (await ledger.getBalances({ accountId }, { unit: "credits", fresh: true })) ?? [];
      return { balanceMinor: view?.balanceMinor ?? 0n, heldMinor: view?.heldMinor ?? 0n };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await upstream.close();
      await anthropic.close();
      await keys.close();
      await meter.close();
      await ledger.dispose();
    },
  };
}

export type ProxyTestApp = Awaited<ReturnType<typeof openProxyTestApp>>;
