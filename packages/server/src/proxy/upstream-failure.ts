import type { UpstreamAnswer } from "./hold-while-sending.ts";
import type { ProxyError } from "./proxy-error.ts";
import { type ProxyTarget, upstreamTimeouts } from "./proxy-target.ts";

/**
 * The upstream statuses that are the deployment's, not the client's: its upstream key refused
 * (401, 403) or its upstream account out of funds (402). Passed on, they would read as the
 * client's own key or balance failing (an `openai` client raises `AuthenticationError`), so
 * they are answered 502 `upstream_error` and logged instead.
 */
const DEPLOYMENT_STATUSES = new Set([401, 402, 403]);

/** The headers of an upstream refusal worth passing on: its format, and when to retry. */
const PASSED_HEADERS = ["content-type", "retry-after", "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests"];

/**
 * Whether an upstream error status is the client's to see as it is (a bad request, an unknown
 * model, a rate limit: 400, 404, 413, 422, 429, …), with the provider's own error body.
 *
 * @example
 * passesThrough(429) // true; passesThrough(401) // false: the deployment's key; passesThrough(500) // false
 */
export function passesThrough(status: number): boolean {
  return status >= 400 && status < 500 && !DEPLOYMENT_STATUSES.has(status);
}

/** The upstream's refusal as the client gets it: its status, its body and its format and retry headers. */
export function passedThrough(answer: UpstreamAnswer, body: string): Response {
  const headers = new Headers();
  for (const name of PASSED_HEADERS) {
    const value = answer.headers[name];
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : String(value));
  }
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  return new Response(body, { status: answer.statusCode, headers });
}

/** 502 `upstream_error`: the upstream failed, could not be reached, or refused the deployment. */
export function upstreamError(message: string): ProxyError {
  return { status: 502, code: "upstream_error", message, param: null };
}

/** 504 `upstream_timeout`: the upstream did not start, or went quiet, within the target's timeouts. */
export function upstreamTimeout(target: ProxyTarget): ProxyError {
  const { headersTimeoutMs, idleTimeoutMs } = upstreamTimeouts(target);
  return {
    status: 504,
    code: "upstream_timeout",
    message: `The upstream did not answer in time (${headersTimeoutMs} ms for its answer to start, ${idleTimeoutMs} ms between its parts).`,
    param: null,
  };
}

/** undici's: no headers within `headersTimeout`, or a body idle for `bodyTimeout`. */
export function isTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
}
