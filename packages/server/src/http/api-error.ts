/** The public error codes and their HTTP statuses: public API, documented on one reference page. */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  feature_not_in_plan: 403,
  model_not_in_plan: 403,
  not_found: 404,
  request_too_large: 413,
  insufficient_credits: 402,
  idempotency_in_progress: 409,
  stripe_price_missing: 409,
  idempotency_conflict: 422,
  unknown_model_price: 422,
  rate_limited: 429,
  internal: 500,
  stripe_not_configured: 501,
  stripe_error: 502,
  database_unavailable: 503,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The one error type of the HTTP layer. Its code and message reach the client; anything
 * else (a cause, a stack) stays in the server's log.
 *
 * @example
 * throw new ApiError("not_found", "No account with id acct_0193….");
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: (typeof ERROR_STATUS)[ErrorCode];

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Public, structured detail such as `{ requiredMinor: "50" }` or field errors. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}
