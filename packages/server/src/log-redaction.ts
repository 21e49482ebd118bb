/** What a redacted value or secret becomes in a log line. */
export const REDACTED = "[redacted]";

// Matched on the field name lowercased with `-` and `_` removed, at its end: `authorization`,
// `set-cookie`, `apiKey`, `client_secret`, `webhookSecret`, `accessToken`. Not `tokens`:
// `inputTokens` is a usage count, and a real token in any field is caught by its prefix below.
const SECRET_FIELD =
  /(authorization|cookie|token|secret|password|passwd|passphrase|apikey|credential|credentials|signature|privatekey)$/;

// Tollgate keys (`tg_sk_`, `tg_ct_`) and local credentials (`tg_lc_`), webhook secrets
// (`whsec_`), Stripe keys; the prefix stays so a reader still sees which kind it was.
// `tg_sk_...x7Qa` (a key's hint) has no secret part.
const TOKEN = /(tg_sk_|tg_ct_|tg_lc_|whsec_|sk_live_|sk_test_|rk_live_|rk_test_)[A-Za-z0-9_-]+/g;
// `Authorization: Bearer …` or `Basic …` quoted inside a message.
const SCHEME_CREDENTIALS = /\b(Bearer|Basic) +[A-Za-z0-9._~+/=-]+/gi;
// The password of a URL's user info: `postgres://app:s3cret@db` → `postgres://app:[redacted]@db`.
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+@/gi;
// Only a string holding one of these can match; most log strings skip the three replaces.
const MAY_HOLD_SECRET = /_|:\/\/|bearer|basic/i;

/**
 * Whether a field of this name holds a secret whatever its value: its value is logged as
 * `[redacted]`.
 *
 * @example
 * isSecretFieldName("Authorization"); // true
 * isSecretFieldName("inputTokens"); // false
 */
export function isSecretFieldName(name: string): boolean {
  return SECRET_FIELD.test(name.toLowerCase().replace(/[-_]/g, ""));
}

/**
 * Masks every secret a string may quote: Tollgate tokens, webhook secrets, Stripe keys, bearer
 * credentials and URL passwords. Everything else is kept, so a message stays diagnosable.
 *
 * @example
 * redactText("connect postgres://app:s3cret@db:5432/x failed"); // "connect postgres://app:[redacted]@db:5432/x failed"
 * redactText("key tg_sk_AbC123 revoked"); // "key tg_sk_[redacted] revoked"
 */
export function redactText(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text
    .replace(TOKEN, `$1${REDACTED}`)
    .replace(SCHEME_CREDENTIALS, `$1 ${REDACTED}`)
    .replace(URL_PASSWORD, `$1${REDACTED}@`);
}
