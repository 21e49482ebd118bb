import type { ProxyErrorFormat } from "./proxy-error.ts";
import { proxyErrorOf } from "./proxy-error.ts";

/** OpenAI's error body: what the official clients read into `APIError`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

const TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "insufficient_quota",
  403: "permission_error",
  404: "not_found_error",
  409: "invalid_request_error",
  422: "invalid_request_error",
  429: "rate_limit_error",
  502: "upstream_error",
  504: "upstream_error",
};

/**
 * An error as OpenAI answers one, so an `openai` client raises its usual `APIError` with the
 * status. A Tollgate refusal keeps its code (`insufficient_credits`, `model_not_in_plan`) and
 * its amounts: `required` and `available` go into the message and `param`.
 */
export function openAIError(status: number, code: string, message: string, param: string | null = null): Response {
  const body: OpenAIErrorBody = {
    error: { message, type: TYPES[status] ?? (status >= 500 ? "server_error" : "invalid_request_error"), code, param },
  };
  return Response.json(body, { status });
}

/** The proxy's refusals in OpenAI's format (every `/openai/v1` route). */
export const openAIErrorFormat: ProxyErrorFormat = ({ status, code, message, param }) =>
  openAIError(status, code, message, param);

/** A thrown error in OpenAI's format: an `ApiError` as its status and code say, anything else a 500. */
export function openAIErrorOf(error: unknown): Response {
  return openAIErrorFormat(proxyErrorOf(error));
}
