import type { PlanCatalog } from "@tollgate/core";
import type { Meter } from "@tollgate/metering";
import { type BalanceEvents, HttpIdempotencyStore, type Ledger } from "@tollgate/store";
import type { Hono, MiddlewareHandler } from "hono";
import type Stripe from "stripe";
import type { AppEnv } from "../../app-env.ts";
import type { JobStats } from "../../jobs/job-stats.ts";
import { idempotency } from "../idempotency/idempotency.ts";
import { routePatternOf } from "../route-pattern.ts";
import type { SessionStore } from "../session/session-caller.ts";
import { accountListRoutes } from "./account-list-routes.ts";
import { accountRoutes } from "./account-routes.ts";
import { adminRoutes } from "./admin-routes.ts";
import { authenticate, callerOf, type KeyStore } from "./auth.ts";
import { autoTopUpRoutes } from "./auto-top-up-routes.ts";
import { balanceStreamRoutes } from "./balance-stream-routes.ts";
import { chargeRoutes } from "./charge-routes.ts";
import { checkRoutes } from "./check-routes.ts";
import { deductionRoutes } from "./deduction-routes.ts";
import { featureOverrideRoutes } from "./feature-override-routes.ts";
import { holdListRoutes } from "./hold-list-routes.ts";
import { holdRoutes } from "./hold-routes.ts";
import { importRoutes } from "./import-routes.ts";
import { jobRoutes } from "./job-routes.ts";
import { keyRoutes } from "./key-routes.ts";
import type { LiveStreams } from "./live-streams.ts";
import { memberRoutes } from "./member-routes.ts";
import { openApiApp } from "./openapi-app.ts";
import { overviewRoutes } from "./overview-routes.ts";
import { packRoutes } from "./pack-routes.ts";
import { planRoutes } from "./plan-routes.ts";
import { priceListRoutes } from "./price-list-routes.ts";
import { reconcileRoutes } from "./reconcile-routes.ts";
import { referencePage } from "./reference-page.ts";
import { refundRoutes } from "./refund-routes.ts";
import { stripeRoutes } from "./stripe-routes.ts";
import { subscriptionListRoutes } from "./subscription-list-routes.ts";
import { subscriptionRoutes } from "./subscription-routes.ts";
import { usageBatchRoutes } from "./usage-batch-routes.ts";
import { usageRoutes } from "./usage-routes.ts";
import { webhookRoutes } from "./webhook-routes.ts";

export const API_VERSION = "0.1.0";

/**
 * The POST routes that write nothing, so they take no `Idempotency-Key` (one sent is ignored).
 * A route is listed here by hand, only when it writes nothing at all.
 */
export const READ_ONLY_POSTS: readonly string[] = ["/v1/check"];

/**
 * The POST routes whose effect is one ledger operation carrying the request's key, answered
 * through `ledgerAnswer`: their Idempotency-Key is claimed and answered in the operation's own
 * transaction (docs/reference/http-idempotency.md). By route pattern, listed by hand: a route
 * joins only once its handler answers through `ledgerAnswer`.
 */
export const LEDGER_ANSWERED_POSTS: ReadonlySet<string> = new Set([
  "/v1/charges",
  "/v1/holds",
  "/v1/holds/:hold/settle",
  "/v1/holds/:hold/release",
  "/v1/usage-events",
  "/v1/accounts/:account/grants",
  "/v1/accounts/:account/deductions",
  "/v1/accounts/:account/packs",
  "/v1/transactions/:transaction/refund",
  "/v1/transactions/:transaction/reverse",
]);

/**
 * The HTTP API: `/v1/…` behind authentication, its OpenAPI 3.1 document at `/openapi.json`
 * (generated from the same schemas that validate every request) and a rendered reference at
 * `/docs`.
 */
export function apiRoutes(deps: {
  ledger: Ledger;
  meter: Meter;
  keys: KeyStore;
  clock: () => Date;
  balanceEvents?: BalanceEvents;
  /** The open live streams and their limits; needed with `balanceEvents`. */
  liveStreams?: LiveStreams;
  /** Per-key rate limit, run after authentication (it meters by key); none when absent. */
  rateLimit?: MiddlewareHandler<AppEnv>;
  /** The largest body the idempotency middleware hashes: the largest body limit. Default 1 MiB. */
  requestBodyBytesMax?: number;
  /** This process's local credential, accepted as an admin key (local-credential.ts). */
  localCredential?: string;
  /** The dashboard's sessions, which its cookie names; without them the cookie authenticates nothing. */
  sessions?: SessionStore;
  /** This server process's instance, named on Idempotency-Key reservations (idempotency.ts). */
  instanceId?: string;
  /** The Stripe client; null: the Stripe routes answer `stripe_not_configured`. */
  stripe: Stripe | null;
  /** The plans and packs checkout and push sell. */
  catalog: PlanCatalog;
  /** The background jobs this process runs, for `GET /v1/jobs`; none when absent. */
  jobs?: JobStats;
}): Hono<AppEnv> {
  const v1 = openApiApp();
  v1.use(
    "*",
    authenticate({
      keys: deps.keys,
      clock: deps.clock,
      ...(deps.localCredential === undefined ? {} : { localCredential: deps.localCredential }),
      ...(deps.sessions === undefined ? {} : { sessions: deps.sessions }),
    }),
  );
  if (deps.rateLimit) v1.use("*", deps.rateLimit);
  // After authentication: a key is scoped by who sent it.
  v1.use(
    "*",
    idempotency({
      store: new HttpIdempotencyStore(deps.ledger.sql),
      clock: deps.clock,
      scopeOf: (c) => callerOf(c).keyId,
      readOnlyPaths: READ_ONLY_POSTS,
      answersInLedger: (c) => LEDGER_ANSWERED_POSTS.has(routePatternOf(c)),
      ...(deps.instanceId === undefined ? {} : { instanceId: deps.instanceId }),
      ...(deps.requestBodyBytesMax === undefined ? {} : { requestBodyBytesMax: deps.requestBodyBytesMax }),
    }),
  );
  accountRoutes(v1, deps);
  chargeRoutes(v1, deps);
  holdRoutes(v1, deps);
  holdListRoutes(v1, deps);
  usageRoutes(v1, deps);
  usageBatchRoutes(v1, deps);
  checkRoutes(v1, deps);
  adminRoutes(v1, deps);
  priceListRoutes(v1, deps);
  memberRoutes(v1, deps);
  keyRoutes(v1, deps);
  reconcileRoutes(v1, deps);
  overviewRoutes(v1, deps);
  accountListRoutes(v1, deps);
  deductionRoutes(v1, deps);
  featureOverrideRoutes(v1, deps);
  refundRoutes(v1, deps);
  webhookRoutes(v1, deps);
  importRoutes(v1, deps);
  stripeRoutes(v1, deps);
  packRoutes(v1, deps);
  jobRoutes(v1, deps);
  planRoutes(v1, deps);
  subscriptionRoutes(v1, deps);
  subscriptionListRoutes(v1, deps);
  autoTopUpRoutes(v1, deps);
  if (deps.balanceEvents && deps.liveStreams) {
    balanceStreamRoutes(v1, { ledger: deps.ledger, balanceEvents: deps.balanceEvents, liveStreams: deps.liveStreams });
  }

  const root = openApiApp();
  root.route("/v1", v1);
  root.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "A secret key (tg_sk_…) for the app's backend, or a customer token (tg_ct_…) scoped to one account.",
  });
  const document = () =>
    root.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "Tollgate API",
        version: API_VERSION,
        description:
          "Credits, metering and billing for AI applications. Amounts are decimal strings in their unit's scale.",
      },
      security: [{ bearer: [] }],
    });
  root.get("/openapi.json", (c) => c.json(document()));
  root.get("/docs", (c) => c.html(referencePage(document())));
  return root as unknown as Hono<AppEnv>;
}
