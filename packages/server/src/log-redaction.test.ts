import assert from "node:assert/strict";
import { test } from "node:test";
import { isSecretFieldName, redactText } from "./log-redaction.ts";

test("field names that hold secrets, whatever their case or separators", () => {
  for (const name of [
    "authorization",
    "Authorization",
    "cookie",
    "set-cookie",
    "token",
    "accessToken",
    "refresh_token",
    "secret",
    "webhookSecret",
    "client_secret",
    "password",
    "DB_PASSWORD",
    "apiKey",
    "api-key",
    "x-api-key",
    "credentials",
    "stripe-signature",
    "privateKey",
  ]) {
    assert.equal(isSecretFieldName(name), true, name);
  }
  for (const name of ["inputTokens", "outputTokens", "keyId", "message", "requestId", "route", "tokenCount", "hint"]) {
    assert.equal(isSecretFieldName(name), false, name);
  }
});

test("tokens, webhook secrets and Stripe keys are masked, their prefix kept", () => {
  assert.equal(redactText("revoked tg_sk_AbC-12_3 today"), "revoked tg_sk_[redacted] today");
  assert.equal(redactText("tg_ct_xyz,whsec_abc"), "tg_ct_[redacted],whsec_[redacted]");
  assert.equal(redactText("sk_live_51Hx and rk_test_9"), "sk_live_[redacted] and rk_test_[redacted]");
  // A key's hint carries no secret part and stays readable.
  assert.equal(redactText("key tg_sk_...x7Qa"), "key tg_sk_...x7Qa");
});

test("bearer credentials and URL passwords are masked", () => {
  assert.equal(redactText("header Bearer abc.def-ghi"), "header Bearer [redacted]");
  assert.equal(redactText("Basic dXNlcjpwYXNz"), "Basic [redacted]");
  assert.equal(
    redactText("connect postgres://app:s3cr%40t@db.internal:5432/prod failed"),
    "connect postgres://app:[redacted]@db.internal:5432/prod failed",
  );
  assert.equal(redactText("postgresql://app:pw@h/db"), "postgresql://app:[redacted]@h/db");
  // No password, nothing to mask.
  assert.equal(redactText("postgres://app@db/prod"), "postgres://app@db/prod");
  assert.equal(redactText("http://127.0.0.1:8787"), "http://127.0.0.1:8787");
});

test("text without secrets is returned as it is", () => {
  const text = "request failed: relation accounts does not exist";
  assert.equal(redactText(text), text);
});
