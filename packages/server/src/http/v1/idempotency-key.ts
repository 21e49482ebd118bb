import assert from "node:assert/strict";
import { IDEMPOTENCY_KEY_HEADER } from "../idempotency/idempotency.ts";

/**
 * A POST's `Idempotency-Key`, which the idempotency middleware has already required and
 * checked: it is the ledger's key too, so a retry that finds no stored response (the first
 * try failed with a 5xx) still replays in the ledger rather than charging twice. A key in the
 * ledger's reserved `tollgate:` namespace is refused there (400).
 */
export function idempotencyKeyOf(c: { req: { header(name: string): string | undefined } }): string {
  const key = c.req.header(IDEMPOTENCY_KEY_HEADER);
  assert.ok(key, "the idempotency middleware runs before every POST route");
  return key;
}
