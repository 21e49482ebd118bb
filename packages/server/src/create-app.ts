import type { Meter, PricingConfig } from "@tollgate/metering";
import type { BalanceEvents, Ledger } from "@tollgate/store";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import type { AppEnv } from "./app-env.ts";
import { errorHandler, notFoundHandler } from "./http/error-handler.ts";
import { healthRoutes } from "./http/health-routes.ts";
import { apiRoutes } from "./http/v1/api-routes.ts";
import type { KeyStore } from "./http/v1/auth.ts";
import { type Logger, SILENT_LOGGER } from "./logger.ts";

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
  const app = new Hono<AppEnv>();
  app.use(requestId({ limitLength: 128 }));
  app.onError(errorHandler(logger));
  app.notFound(notFoundHandler);
  app.route("/", healthRoutes({ ledger: deps.ledger, logger }));
  if (deps.keys && deps.meter) {
    app.route(
      "/",
      apiRoutes({
        ledger: deps.ledger,
        meter: deps.meter,
        keys: deps.keys,
        clock: () => deps.ledger.now(),
        ...(deps.balanceEvents ? { balanceEvents: deps.balanceEvents } : {}),
      }),
    );
  }
  return app;
}
