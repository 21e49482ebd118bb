import { EMPTY_PLAN_CATALOG, type PlanCatalog } from "@tollgate/core";
import type { Meter, PricingConfig } from "@tollgate/metering";
import { type BalanceEvents, DashboardSessions, type Ledger } from "@tollgate/store";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import type Stripe from "stripe";
import type { AppEnv } from "./app-env.ts";
import { accessLog } from "./http/access-log/access-log.ts";
import { requestBodyLimit } from "./http/body-limit/body-limit.ts";
import { jsonContentType } from "./http/body-limit/json-content-type.ts";
import { dashboardFiles } from "./http/dashboard/dashboard-files.ts";
import { errorHandler, notFoundHandler } from "./http/error-handler.ts";
import { healthRoutes } from "./http/health-routes.ts";
import { balanceStreamMetrics } from "./http/metrics/balance-stream-metrics.ts";
import { httpMetrics } from "./http/metrics/http-metrics.ts";
import { jobMetrics } from "./http/metrics/job-metrics.ts";
import { metricsEndpoint } from "./http/metrics/metrics-endpoint.ts";
import { createMetricsRegistry } from "./http/metrics/metrics-registry.ts";
import { rateLimit } from "./http/rate-limit/rate-limit.ts";
import { sessionRoutes } from "./http/session/session-routes.ts";
import { apiRoutes } from "./http/v1/api-routes.ts";
import type { Caller, KeyStore } from "./http/v1/auth.ts";
import { LiveStreams } from "./http/v1/live-streams.ts";
import { DEFAULT_WIDGET_SCRIPT_PATH, widgetRoute } from "./http/widget/widget-route.ts";
import type { JobStats } from "./jobs/job-stats.ts";
import { LOCAL_KEY_ID } from "./local-credential.ts";
import { type Logger, SILENT_LOGGER } from "./logger.ts";
import { DEFAULT_OPERATIONS_CONFIG, type OperationsConfig } from "./operations-config.ts";
import type { AnthropicUpstreamConfig } from "./proxy/anthropic-upstream-config.ts";
import { ProxyLimits } from "./proxy/limits/proxy-limits.ts";
import { DEFAULT_PROXY_LIMITS } from "./proxy/limits/proxy-limits-config.ts";
import { useProxyLimits } from "./proxy/limits/use-proxy-limits.ts";
import { proxyRoutes } from "./proxy/proxy-routes.ts";
import type { UpstreamConfig } from "./proxy/upstream-config.ts";
import { DEFAULT_STRIPE_EVENT_HANDLERS, type StripeEventHandlers } from "./stripe/stripe-event-handlers.ts";
import { stripeWebhookRoute } from "./stripe/stripe-webhook-route.ts";

/** What the app is built from; tests pass a ledger on a throw-away database. */
export interface AppDependencies {
  ledger: Ledger;
  logger?: Logger;
  /** How calls are priced (the configuration file's `pricing` section), for the metering routes. */
  pricing?: PricingConfig;
  /** Verifies API keys; the `/v1` API, `/openapi.json` and `/docs` are served only with it and a meter. */
  keys?: KeyStore;
  /** Prices and records usage; the `/v1` charges go through it. */
  meter?: Meter;
  /** Live balance changes, for `/v1/accounts/{account}/events` (served only with it). */
  balanceEvents?: BalanceEvents;
  /**
   * The open live streams: their limits, and their end on revocation, expiry and shutdown.
   * Default: made here from `operations.streams`, the key store and `logger`; `startServer`
   * passes its own, to end every stream when it stops.
   */
  liveStreams?: LiveStreams;
  /**
   * Metrics, access logs, rate limits and body limits; each setting left out keeps its
   * default (`DEFAULT_OPERATIONS_CONFIG`). `tollgate serve` passes the environment's.
   */
  operations?: Partial<OperationsConfig>;
  /**
   * Add prom-client's process metrics (CPU, memory, event loop, GC) to `/metrics`. They start
   * samplers that live as long as the process, so only a served app turns them on. Default false.
   */
  processMetrics?: boolean;
  /**
   * A token accepted as an admin key without a row in `api_keys`: how the `tollgate` CLI works
   * through a running server, or through an app it builds in its own process (local-credential.ts).
   */
  localCredential?: string;
  /**
   * This server process's instance (`server_instances`, beating its heartbeat): named on every
   * Idempotency-Key reservation so another instance may take the key over if this one dies.
   * Without it a key held by a dead process is free only when its 60 s lock ends.
   */
  instanceId?: string;
  /**
   * The widget's script, served at `GET /widget.js` (http/widget). Default: dist/widget.js,
   * beside the built server; tests pass the copy they build.
   */
  widgetScriptPath?: string;
  /** A monotonic clock in milliseconds for durations and rate limits; tests move it. */
  nowMs?: () => number;
  /** The plans and packs sold through Stripe (the configuration's). Default: none. */
  catalog?: PlanCatalog;
  /**
   * Stripe: the SDK client (null or absent: checkout, portal and push answer
   * `stripe_not_configured`), the webhook signing secrets (none: so does `POST /stripe/webhook`)
   * and the event handlers (default: `DEFAULT_STRIPE_EVENT_HANDLERS`).
   */
  stripe?: { client: Stripe | null; webhookSecrets: readonly string[]; handlers?: StripeEventHandlers };
  /**
   * The background jobs this process runs (`startServer` passes the stats its loops write), for
   * `tollgate_job_*` in `/metrics` and `GET /v1/jobs`. Absent: no job metrics, and `GET /v1/jobs`
   * lists no jobs (only the database's backlog).
   */
  jobs?: JobStats;
  /**
   * The OpenAI-compatible metering proxy's upstream (`/openai/v1/chat/completions`, served only
   * with it, the key store and a meter). `tollgate serve` reads it from the environment.
   */
  proxy?: UpstreamConfig;
  /**
   * The Anthropic upstream of the proxy's `/anthropic/v1/messages` (served only with it, the key
   * store and a meter). `tollgate serve` reads it from the environment.
   */
  anthropicProxy?: AnthropicUpstreamConfig;
  /**
   * The proxy's per-account concurrency and rate limits, body limit and stream deadline, with
   * their state (calls in flight, rate buckets). Default: `DEFAULT_PROXY_LIMITS`, made here;
   * `tollgate serve` passes the environment's (`proxyLimitsConfigFromEnv`).
   */
  proxyLimits?: ProxyLimits;
  /**
   * The built operator dashboard (dist/dashboard), served at `/`, with its sign-in at `/session`
   * (needs `keys`). Absent: `/` is not served. `tollgate serve` finds the build's own.
   */
  dashboard?: { directory: string };
}

export type { AppEnv } from "./app-env.ts";

/**
 * The composition root: every route and middleware is wired here from `deps`, with no
 * module-level state, so any number of apps can run side by side in one process.
 *
 * @example
 * const app = createApp({ ledger });
 * const response = await app.request("/healthz");
 */
export function createApp(deps: AppDependencies): Hono<AppEnv> {
  const logger = deps.logger ?? SILENT_LOGGER;
  const operations = { ...DEFAULT_OPERATIONS_CONFIG, ...deps.operations };
  const nowMs = deps.nowMs ?? (() => performance.now());
  const liveStreams =
    deps.balanceEvents && deps.keys
      ? (deps.liveStreams ??
        new LiveStreams({ limits: operations.streams, logger, clock: () => deps.ledger.now(), keys: deps.keys }))
      : undefined;
  const app = new Hono<AppEnv>();
  app.use(requestId({ limitLength: 128 }));
  app.onError(errorHandler(logger));
  app.notFound(notFoundHandler);
  // Outermost, so they time and see every answer, errors and rate-limit refusals included.
  if (operations.metrics) {
    const registry = createMetricsRegistry({ processMetrics: deps.processMetrics ?? false });
    app.use(httpMetrics({ registry, nowMs }));
    if (deps.balanceEvents) balanceStreamMetrics({ registry, balanceEvents: deps.balanceEvents });
    if (deps.jobs) jobMetrics({ registry, jobs: deps.jobs });
    app.get("/metrics", metricsEndpoint({ registry }));
  }
  if (operations.accessLog) app.use(accessLog({ logger, nowMs, keyIdOf: (c) => callerIn(c)?.keyId }));
  app.route("/", healthRoutes({ ledger: deps.ledger, logger }));
  app.route("/", widgetRoute({ scriptPath: deps.widgetScriptPath ?? DEFAULT_WIDGET_SCRIPT_PATH }));
  const catalog = deps.catalog ?? EMPTY_PLAN_CATALOG;
  // Outside /v1: Stripe authenticates by signature, not by key, and sends no Idempotency-Key.
  app.use("/stripe/*", requestBodyLimit({ bytesMax: operations.bodyBytesMax, routes: [] }));
  app.route(
    "/",
    stripeWebhookRoute({
      ledger: deps.ledger,
      catalog,
      secrets: deps.stripe?.webhookSecrets ?? [],
      handlers: deps.stripe?.handlers ?? DEFAULT_STRIPE_EVENT_HANDLERS,
      logger,
    }),
  );
  // The dashboard's sessions live in the database, so every instance knows each one.
  const sessions = deps.keys ? new DashboardSessions(deps.ledger.sql) : undefined;
  if (deps.keys && sessions) {
    app.use("/session", requestBodyLimit({ bytesMax: operations.bodyBytesMax, routes: [] }));
    app.route(
      "/",
      sessionRoutes({
        keys: deps.keys,
        clock: () => deps.ledger.now(),
        sessions,
        ...(deps.localCredential === undefined ? {} : { localCredential: deps.localCredential }),
      }),
    );
  }
  if (deps.dashboard) app.route("/", dashboardFiles(deps.dashboard));
  if (deps.keys && deps.meter) {
    // Before authentication: an oversized or non-JSON body is refused before any work.
    app.use("/v1/*", jsonContentType());
    app.use(
      "/v1/*",
      requestBodyLimit({
        bytesMax: operations.bodyBytesMax,
        routes: [
          { method: "POST", path: "/v1/usage-events/batch", bytesMax: operations.batchBodyBytesMax },
          { method: "POST", path: "/v1/imports", bytesMax: operations.batchBodyBytesMax },
        ],
      }),
    );
    const { rateLimits } = operations;
    app.route(
      "/",
      apiRoutes({
        ledger: deps.ledger,
        meter: deps.meter,
        keys: deps.keys,
        clock: () => deps.ledger.now(),
        ...(deps.balanceEvents && liveStreams ? { balanceEvents: deps.balanceEvents, liveStreams } : {}),
        ...(rateLimits.secret || rateLimits.customer
          ? {
              rateLimit: rateLimit({
                nowMs,
                bucketOf: (c) => {
                  const caller = callerIn(c);
                  // The operator's own CLI (an import of a million rows) is not the traffic limits are for.
                  if (caller?.keyId === LOCAL_KEY_ID) return null;
                  const limit = caller && rateLimits[caller.kind];
                  return limit ? { key: caller.keyId, limit } : null;
                },
              }),
            }
          : {}),
        requestBodyBytesMax: Math.max(operations.bodyBytesMax, operations.batchBodyBytesMax),
        ...(deps.localCredential === undefined ? {} : { localCredential: deps.localCredential }),
        ...(sessions === undefined ? {} : { sessions }),
        ...(deps.instanceId === undefined ? {} : { instanceId: deps.instanceId }),
        stripe: deps.stripe?.client ?? null,
        catalog,
        ...(deps.jobs ? { jobs: deps.jobs } : {}),
      }),
    );
  }
  if (deps.keys && deps.meter && (deps.proxy || deps.anthropicProxy)) {
    const limits = deps.proxyLimits ?? new ProxyLimits(DEFAULT_PROXY_LIMITS, { nowMs, logger });
    useProxyLimits(app, { limits, keys: deps.keys, clock: () => deps.ledger.now() });
    app.route(
      "/",
      proxyRoutes({
        meter: deps.meter,
        keys: deps.keys,
        ...(deps.proxy ? { upstream: deps.proxy } : {}),
        ...(deps.anthropicProxy ? { anthropic: deps.anthropicProxy } : {}),
        logger,
        nowMs,
        streamDeadline: limits.streamDeadline,
        ...(deps.instanceId === undefined ? {} : { instanceId: deps.instanceId }),
      }),
    );
  }
  return app;
}

/** The authenticated caller, if the request got that far (`authenticate` sets it). */
function callerIn(c: { get(key: never): unknown }): Caller | undefined {
  return c.get("caller" as never) as Caller | undefined;
}
