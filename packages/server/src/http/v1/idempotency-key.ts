import { ApiError } from "../api-error.ts";

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The ledger's idempotency key for a POST: the request's `Idempotency-Key` header, required
 * (1–255 printable ASCII characters). A retry with the same key replays the first result.
 */
export function idempotencyKeyOf(c: { req: { header(name: string): string | undefined } }): string {
  const key = c.req.header("idempotency-key");
  if (!key || !KEY.test(key) || key.startsWith("tollgate:")) {
    throw new ApiError("invalid_request", "Idempotency-Key: every POST needs one, 1–255 printable ASCII characters", {
      fields: [{ field: "Idempotency-Key", message: key ? "malformed" : "required" }],
    });
  }
  return key;
}
