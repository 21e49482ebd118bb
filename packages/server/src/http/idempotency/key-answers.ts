import type { StoredHttpResponse } from "@tollgate/store";
import { ApiError } from "../api-error.ts";

/** The header a replayed answer carries. */
export const IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed";

/**
 * A stored answer given again: its status, headers and body byte for byte, marked replayed.
 *
 * @example
 * return replayResponse({ status: 200, headers: { "content-type": "application/json" }, body });
 */
export function replayResponse(stored: StoredHttpResponse): Response {
  const headers = new Headers(stored.headers);
  headers.set(IDEMPOTENT_REPLAYED_HEADER, "true");
  return new Response(nullIfEmpty(stored.body), { status: stored.status, headers });
}

/**
 * The refusal of a key that stands for another request; `target` is this request's, so the
 * message says whether the path or only the body differs.
 *
 * @example
 * throw conflictError({ method: "POST", target: "/v1/charges" }, "/v1/holds");
 */
export function conflictError(first: { method: string; target: string }, target: string): ApiError {
  return new ApiError(
    "idempotency_conflict",
    `This Idempotency-Key was already used for ${first.method} ${first.target} with ${first.target === target ? "a different body" : "another path"}. A key stands for one request: send a new key for a new request.`,
  );
}

/** A Response may not have a body with 204 or 304, even an empty one; no body reads the same. */
export function nullIfEmpty(bytes: Uint8Array): Uint8Array | null {
  return bytes.byteLength === 0 ? null : bytes;
}
