import { ApiError } from "../api-error.ts";

/**
 * The 404 for an account that does not exist or is not the caller's to see: one answer for
 * both, so a customer token cannot tell them apart.
 *
 * @example
 * if (!account) throw accountNotFound();
 */
export function accountNotFound(): ApiError {
  return new ApiError("not_found", "No such account.", { reason: "account_not_found" });
}
