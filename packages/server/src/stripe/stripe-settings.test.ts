import assert from "node:assert/strict";
import { test } from "node:test";
import { loadStripeSettings } from "./stripe-settings.ts";

test("no Stripe variables: no Stripe", () => {
  assert.deepEqual(loadStripeSettings({}), { secretKey: null, apiBase: null, webhookSecrets: [] });
});

test("a key, a stand-in and two webhook secrets during a rotation", () => {
  assert.deepEqual(
    loadStripeSettings({
      STRIPE_SECRET_KEY: "sk_test_abc",
      STRIPE_API_BASE: "http://127.0.0.1:12111",
      STRIPE_WEBHOOK_SECRET: "whsec_old, whsec_new",
    }),
    {
      secretKey: "sk_test_abc",
      apiBase: { protocol: "http", host: "127.0.0.1", port: 12111 },
      webhookSecrets: ["whsec_old", "whsec_new"],
    },
  );
});

test("each malformed variable is refused by name, never echoing a secret", () => {
  const rows: Array<[Record<string, string>, RegExp]> = [
    [{ STRIPE_SECRET_KEY: "pk_test_publishable" }, /^ConfigError: STRIPE_SECRET_KEY: expected a Stripe secret key/],
    [{ STRIPE_WEBHOOK_SECRET: "not-a-secret" }, /^ConfigError: STRIPE_WEBHOOK_SECRET: expected whsec_/],
    [{ STRIPE_API_BASE: "127.0.0.1:12111" }, /^ConfigError: STRIPE_API_BASE: "127.0.0.1:12111" is not a URL/],
    [
      { STRIPE_API_BASE: "http://127.0.0.1:12111/v1" },
      /^ConfigError: STRIPE_API_BASE: expected http\(s\):\/\/host:port/,
    ],
  ];
  for (const [env, message] of rows) {
    assert.throws(() => loadStripeSettings(env), message);
    try {
      loadStripeSettings(env);
    } catch (error) {
      assert.doesNotMatch(String(error), /pk_test_publishable|not-a-secret/);
    }
  }
});
