import Stripe from "stripe";
import type { StripeSettings } from "./stripe-settings.ts";

/** Retries of a request that failed on the network or with a 409/429/5xx: the SDK sends each with its idempotency key. */
const NETWORK_RETRIES_MAX = 2;
/** How long one request to Stripe may take. */
const REQUEST_TIMEOUT_MS = 20_000;

/**
 * The Stripe SDK client for these settings, or null without a secret key. With `apiBase` it
 * talks to that server (a local stand-in) over its protocol; otherwise to Stripe.
 *
 * @example
 * const stripe = createStripeClient(loadStripeSettings(process.env));
 * await stripe?.prices.list({ lookup_keys: ["tollgate_plan_pro"] });
 */
export function createStripeClient(settings: StripeSettings): Stripe | null {
  if (settings.secretKey === null) return null;
  return new Stripe(settings.secretKey, {
    maxNetworkRetries: NETWORK_RETRIES_MAX,
    timeout: REQUEST_TIMEOUT_MS,
    appInfo: { name: "Tollgate" },
    ...(settings.apiBase
      ? { host: settings.apiBase.host, port: settings.apiBase.port, protocol: settings.apiBase.protocol }
      : {}),
  });
}
