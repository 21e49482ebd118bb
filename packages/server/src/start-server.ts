import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { Meter } from "@tollgate/metering";
import {
  type ApiKeyInfo,
  ApiKeys,
  BalanceEvents,
  HttpIdempotencyStore,
  type Ledger,
  ServerInstances,
  Webhooks,
} from "@tollgate/store";
import { describeStorage, type ServerConfig } from "./config.ts";
import { createApp } from "./create-app.ts";
import { startExpirySweeper } from "./expiry-sweeper.ts";
import { findDashboardDirectory } from "./http/dashboard/dashboard-files.ts";
import { LiveStreams } from "./http/v1/live-streams.ts";
import { startIdempotencyPurger } from "./idempotency-purger.ts";
import { type InstanceHeartbeat, startInstanceHeartbeat } from "./instance-heartbeat.ts";
import { JobStats } from "./jobs/job-stats.ts";
import { newLocalCredential } from "./local-credential.ts";
import { createJsonLogger, type Logger } from "./logger.ts";
import { openLedger } from "./open-ledger.ts";
import { anthropicUpstreamConfigFromEnv } from "./proxy/anthropic-upstream-config.ts";
import { ProxyLimits } from "./proxy/limits/proxy-limits.ts";
import { proxyLimitsConfigFromEnv } from "./proxy/limits/proxy-limits-config.ts";
import { upstreamConfigFromEnv } from "./proxy/upstream-config.ts";
import { startRenewalJob } from "./renewal-job.ts";
import { writeRunningServerFile } from "./running-server-file.ts";
import { stopAccepting } from "./stop-accepting.ts";
import { startAutoTopUpJob } from "./stripe/auto-top-up-job.ts";
import { createStripeClient } from "./stripe/stripe-client.ts";
import { startWebhookDispatcher } from "./webhooks/webhook-dispatcher.ts";
import { startWebhookPurger } from "./webhooks/webhook-purger.ts";

export interface StartServerOptions {
  logger?: Logger;
  /** Shut down gracefully on SIGINT and SIGTERM (default true); a second signal ends at once. */
  handleSignals?: boolean;
  /** How often expired holds and lots are swept (default 1 s). */
  sweepIntervalMs?: number;
  /** How often due outgoing webhooks are looked for (default 1 s). */
  webhookIntervalMs?: number;
  /** How long the purge of expired Idempotency-Key rows waits once none is left (default 60 s). */
  idempotencyPurgeIntervalMs?: number;
  /** How often this process beats its instance heartbeat (default 1 s). */
  instanceHeartbeatMs?: number;
  /** How long in-flight requests may take to finish on shutdown before their sockets close (default 10 s). */
  drainTimeoutMs?: number;
  /** How long to wait for another process holding the embedded data directory (default 30 s). */
  storageWaitMs?: number;
  clock?: () => Date;
  /**
   * Called once with the deployment's first admin key when this server made it: on the
   * embedded database, when no secret key was ever created. Without it no key is made. The
   * token is shown here only (`tollgate serve` prints it); it never reaches the log.
   */
  onFirstKey?: (first: { key: ApiKeyInfo; token: string; url: string }) => void;
  /**
   * The built operator dashboard served at `/` (default: the build's dist/dashboard, when it
   * was built; null: none).
   */
  dashboardDirectory?: string | null;
}

export interface RunningServer {
  url: string;
  ledger: Ledger;
  /**
   * Ends every live stream, stops accepting, drains in-flight requests, stops the sweeper,
   * closes the ledger. Safe to call twice.
   */
  close(): Promise<void>;
  /** Settles once the server has shut down, whatever started it. */
  closed: Promise<void>;
}

/**
 * Opens the ledger (migrating it), listens, sweeps expiries every second, and logs one JSON
 * line with the URL and where the data is (never a database password).
 *
 * @example
 * const server = await startServer(loadServerConfig());
 * await server.closed;
 */
export async function startServer(config: ServerConfig, options: StartServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createJsonLogger();
  // Read before anything opens: a bad value stops the start with the variable's name.
  const proxyLimits = new ProxyLimits(proxyLimitsConfigFromEnv(process.env), { logger });
  const opened = await openLedger(config, {
    clock: options.clock,
    // The server's balance reads come from memory (docs/concepts/ledger.md, "Balance reads").
    balanceCache: config.operations.balanceCache,
    waitMs: options.storageWaitMs,
    onWait: (holder) => logger.warn("waiting for the data directory", { holder }),
  });
  // The API's collaborators: the meter (prices, usage) and the key store, each listening
  // for changes other instances make.
  let meter: Meter | undefined;
  let keys: ApiKeys | undefined;
  // The streams' own limit is checked first and answered properly; this one only backs it.
  const balanceEvents = new BalanceEvents(opened.ledger.sql, { subscribersMax: config.operations.streams.perProcess });
  let liveStreams: LiveStreams | undefined;
  let heartbeat: InstanceHeartbeat | undefined;
  const closeCollaborators = async () => {
    liveStreams?.close();
    // After the drain: the keys of requests cut off by the shutdown are free at once.
    await heartbeat?.stop();
    await balanceEvents.close();
    await keys?.close();
    await meter?.close();
  };
  // On the embedded database only this process may open the data directory, so the CLI works
  // through this server, with a credential it finds in the directory (running-server-file.ts).
  const embeddedDir = embeddedDataDir(config);
  const localCredential = embeddedDir === null ? undefined : newLocalCredential();
  // Written by the background loops started below, read by /metrics and GET /v1/jobs.
  const jobs = new JobStats();
  let server: Server;
  let stripeClient: ReturnType<typeof createStripeClient> = null;
  let first: { key: ApiKeyInfo; token: string } | null = null;
  try {
    meter = await Meter.open({ ledger: opened.ledger, pricing: config.pricing });
    keys = await ApiKeys.open(opened.ledger.sql, { clock: () => opened.ledger.now() });
    heartbeat = await startInstanceHeartbeat(new ServerInstances(opened.ledger.sql), {
      logger,
      // The idempotency middleware's clock, so a heartbeat's age and a lock's end agree.
      clock: () => opened.ledger.now(),
      ...(options.instanceHeartbeatMs === undefined ? {} : { intervalMs: options.instanceHeartbeatMs }),
      // One process holds the embedded data directory: any other instance recorded died.
      soleInstance: opened.ledger.sql.dialect === "pglite",
    });
    if (embeddedDir !== null && options.onFirstKey) {
      first = await keys.createFirstAdminKey({ name: "first key (made by tollgate serve)" });
      if (first) logger.info("created the first admin key", { keyId: first.key.keyId });
    }
    liveStreams = new LiveStreams({
      limits: config.operations.streams,
      logger,
      clock: () => opened.ledger.now(),
      keys,
    });
    stripeClient = createStripeClient(config.stripe);
    const upstream = upstreamConfigFromEnv(process.env);
    const anthropicUpstream = anthropicUpstreamConfigFromEnv(process.env);
    const proxyOption = {
      ...(upstream ? { proxy: upstream } : {}),
      ...(anthropicUpstream ? { anthropicProxy: anthropicUpstream } : {}),
    };
    const dashboardDirectory =
      options.dashboardDirectory === undefined ? findDashboardDirectory() : options.dashboardDirectory;
    const app = createApp({
      jobs,
      ledger: opened.ledger,
      logger,
      pricing: config.pricing,
      meter,
      keys,
      balanceEvents,
      liveStreams,
      operations: config.operations,
      processMetrics: true,
      instanceId: heartbeat.id,
      catalog: config.plans,
      ...proxyOption,
      proxyLimits,
      stripe: { client: stripeClient, webhookSecrets: config.stripe.webhookSecrets },
      ...(localCredential === undefined ? {} : { localCredential }),
      ...(dashboardDirectory ? { dashboard: { directory: dashboardDirectory } } : {}),
    });
    server = createAdaptorServer({ fetch: app.fetch }) as Server;
    await listen(server, config.port, config.host);
  } catch (error) {
    await closeCollaborators();
    await opened.close();
    throw error;
  }
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${(server.address() as AddressInfo).port}`;
  const removeServerFile =
    embeddedDir !== null && localCredential !== undefined
      ? writeRunningServerFile(embeddedDir, {
          pid: process.pid,
          url: localUrlOf(url, config.host),
          credential: localCredential,
          startedAt: new Date().toISOString(),
        })
      : () => {};
  const sweeper = startExpirySweeper(opened.ledger, { intervalMs: options.sweepIntervalMs, logger, stats: jobs });
  const renewals = startRenewalJob(opened.ledger, { intervalMs: options.sweepIntervalMs, logger, stats: jobs });
  // Automatic top-ups pay through Stripe: without a secret key there is nothing to ask.
  const autoTopUps =
    stripeClient === null
      ? null
      : startAutoTopUpJob(
          { ledger: opened.ledger, stripe: stripeClient, catalog: config.plans, logger },
          { intervalMs: options.sweepIntervalMs, stats: jobs },
        );
  const dispatcher = startWebhookDispatcher(Webhooks.of(opened.ledger, { retryPolicy: config.webhooks.retryPolicy }), {
    logger,
    intervalMs: options.webhookIntervalMs,
    timeoutMs: config.webhooks.timeoutMs,
    stats: jobs,
  });
  const webhookPurger = startWebhookPurger(Webhooks.of(opened.ledger), {
    logger,
    retentionMs: config.webhooks.retentionMs,
    stats: jobs,
  });
  const purger = startIdempotencyPurger(new HttpIdempotencyStore(opened.ledger.sql), {
    logger,
    intervalMs: options.idempotencyPurgeIntervalMs,
    clock: () => opened.ledger.now(),
    stats: jobs,
  });

  let closing: Promise<void> | undefined;
  let markClosed = () => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info("shutting down", { signal });
    close().catch((error) => {
      logger.error("shutdown failed", { error });
      process.exitCode = 1;
    });
  };
  const close = () => {
    closing ??= (async () => {
      // A second signal now finds no listener and ends the process: the operator's way out.
      process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
      try {
        // First, so no CLI starts a request that would only be cut off.
        removeServerFile();
        // Open streams would hold their connections until the drain timeout cuts them, and
        // each a timer that keeps the process alive: end them now, and refuse new ones.
        liveStreams?.close();
        await stopAccepting(server, options.drainTimeoutMs ?? 10_000);
        await sweeper.stop();
        await renewals.stop();
        await autoTopUps?.stop();
        await dispatcher.stop();
        await purger.stop();
        await webhookPurger.stop();
        await closeCollaborators();
        await opened.close();
        logger.info("stopped");
      } finally {
        markClosed();
      }
    })();
    return closing;
  };
  // Before "listening": a supervisor that reads that line may signal at once, and a signal
  // with no listener yet ends the process without a graceful stop.
  if (options.handleSignals ?? true) process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  logger.info("listening", { url, ...describeStorage(config), configFile: config.configFile });
  if (first) options.onFirstKey?.({ ...first, url: localUrlOf(url, config.host) });
  return { url, ledger: opened.ledger, close, closed };
}

/** The embedded database's directory, or null on PostgreSQL and in memory. */
function embeddedDataDir(config: ServerConfig): string | null {
  const { storage } = config;
  return storage.kind === "pglite" && !storage.dataDir.startsWith("memory://") ? storage.dataDir : null;
}

/** How a CLI on this host reaches the server: a wildcard bind is reached on loopback. */
function localUrlOf(url: string, host: string): string {
  if (host === "0.0.0.0") return url.replace("//0.0.0.0:", "//127.0.0.1:");
  if (host === "::") return url.replace("//[::]:", "//[::1]:");
  return url;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
