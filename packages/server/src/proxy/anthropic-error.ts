import type { ProxyError, ProxyErrorFormat } from "./proxy-error.ts";

/** Anthropic's error body: what `@anthropic-ai/sdk` reads into its `APIError` subclasses. */
export interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string; details: { error_code: string; param?: string } };
}

/**
 * Anthropic's error types by status, as its API documents them. 402 is `billing_error`, the
 * type Anthropic answers a payment problem with; 502 and 504 (a failed upstream) are `api_error`
 * and `timeout_error`, so a client's handling of Anthropic's own 5xx applies unchanged.
 */
const TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  409: "conflict_error",
  413: "request_too_large",
  422: "invalid_request_error",
  429: "rate_limit_error",
  500: "api_error",
  502: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

/**
 * A refusal as Anthropic answers one: `{ type: "error", error: { type, message } }`, so the
 * official client raises the class its status names (`AuthenticationError` for 401,
 * `PaymentRequiredError`, an `APIError`, for 402). Tollgate's own code goes in
 * `error.details.error_code`, which the client exposes as `errorCode` (and the field at fault, or
 * the amounts of an `insufficient_credits`, in `details.param`).
 *
 * @example
 * anthropicErrorFormat({ status: 401, code: "unauthenticated", message: "Send a valid key.", param: null })
 * // 401 {"type":"error","error":{"type":"authentication_error","message":"Send a valid key.","details":{"error_code":"unauthenticated"}}}
 */
export const anthropicErrorFormat: ProxyErrorFormat = ({ status, code, message, param }: ProxyError) => {
  const body: AnthropicErrorBody = {
    type: "error",
    error: {
      type: TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error"),
      message,
      details: { error_code: code, ...(param === null ? {} : { param }) },
    },
  };
  return Response.json(body, { status });
};

/** An error event as Anthropic sends one inside a stream (`event: error`), for a stream that fails after it began. */
export function anthropicErrorEvent(type: string, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: "error", error: { type, message } })}`;
}
