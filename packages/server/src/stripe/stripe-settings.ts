import { ConfigError } from "../config-error.ts";

/** Where the Stripe SDK sends its requests when not to Stripe itself: a local stand-in. */
export interface StripeApiBase {
  protocol: "http" | "https";
  host: string;
  port: number;
}

/**
 * The Stripe settings from the environment. Each part is optional: without a secret key the
 * checkout, portal and push routes answer `stripe_not_configured` (501); without a webhook
 * secret so does `POST /stripe/webhook`. Nothing else changes.
 */
export interface StripeSettings {
  /** `STRIPE_SECRET_KEY`: sk_test_… or sk_live_… (or a restricted rk_… key). */
  secretKey: string | null;
  /** `STRIPE_API_BASE`: http://127.0.0.1:PORT for a stand-in; null for Stripe. */
  apiBase: StripeApiBase | null;
  /**
   * `STRIPE_WEBHOOK_SECRET`, comma-separated: whsec_… of the endpoint, two while a secret is
   * rolled (a delivery signed with either is accepted).
   */
  webhookSecrets: readonly string[];
}

export const NO_STRIPE: StripeSettings = Object.freeze({ secretKey: null, apiBase: null, webhookSecrets: [] });

/** A limit on everything: two during a rotation, a few more at most. */
const WEBHOOK_SECRETS_MAX = 4;

/**
 * Reads STRIPE_SECRET_KEY, STRIPE_API_BASE and STRIPE_WEBHOOK_SECRET. A malformed value is a
 * `ConfigError` naming the variable (never its value: it is a secret).
 *
 * @example
 * loadStripeSettings({ STRIPE_SECRET_KEY: "sk_test_123", STRIPE_WEBHOOK_SECRET: "whsec_a,whsec_b" })
 * // { secretKey: "sk_test_123", apiBase: null, webhookSecrets: ["whsec_a", "whsec_b"] }
 */
export function loadStripeSettings(env: Readonly<Record<string, string | undefined>>): StripeSettings {
  const secretKey = env.STRIPE_SECRET_KEY?.trim() || null;
  if (secretKey !== null && !/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/.test(secretKey)) {
    throw new ConfigError(
      "STRIPE_SECRET_KEY",
      "expected a Stripe secret key (sk_test_… or sk_live_…, or a restricted rk_… key) from the Stripe dashboard's API keys page",
    );
  }
  const webhookSecrets = (env.STRIPE_WEBHOOK_SECRET ?? "")
    .split(",")
    .map((secret) => secret.trim())
    .filter((secret) => secret !== "");
  if (webhookSecrets.some((secret) => !/^whsec_[A-Za-z0-9_+/=-]+$/.test(secret))) {
    throw new ConfigError(
      "STRIPE_WEBHOOK_SECRET",
      "expected whsec_… signing secrets, comma-separated (two while rotating), as the Stripe dashboard or `stripe listen` shows them",
    );
  }
  if (webhookSecrets.length > WEBHOOK_SECRETS_MAX) {
    throw new ConfigError(
      "STRIPE_WEBHOOK_SECRET",
      `at most ${WEBHOOK_SECRETS_MAX} secrets, got ${webhookSecrets.length}`,
    );
  }
  return { secretKey, apiBase: parseApiBase(env.STRIPE_API_BASE), webhookSecrets };
}

function parseApiBase(text: string | undefined): StripeApiBase | null {
  const trimmed = text?.trim();
  if (!trimmed) return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ConfigError(
      "STRIPE_API_BASE",
      `"${trimmed.slice(0, 100)}" is not a URL (expected e.g. http://127.0.0.1:12111)`,
    );
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.pathname !== "/" || url.search || url.username) {
    throw new ConfigError(
      "STRIPE_API_BASE",
      `expected http(s)://host:port with no path, query or user, got "${trimmed.slice(0, 100)}"`,
    );
  }
  const protocol = url.protocol === "http:" ? "http" : "https";
  return {
    protocol,
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? (protocol === "http" ? 80 : 443) : Number(url.port),
  };
}
