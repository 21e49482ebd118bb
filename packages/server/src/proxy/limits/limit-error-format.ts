import { openAIError } from "../openai-error.ts";

/** A limit's refusal, as every provider's error format carries it. */
export interface LimitRefusal {
  status: number;
  /** Tollgate's public code: `rate_limited` (429) or `request_too_large` (413). */
  code: string;
  message: string;
  param: string | null;
}

/**
 * How a route's provider answers a refusal: the limits are shared by every proxied route, and
 * each answers in its own provider's format, so the official client raises its usual error.
 */
export type LimitErrorFormat = (refusal: LimitRefusal) => Response;

/** OpenAI's `{ error: { message, type, param, code } }`: the `openai` client's `RateLimitError` on 429. */
export const openAILimitError: LimitErrorFormat = ({ status, code, message, param }) =>
  openAIError(status, code, message, param);

/** Anthropic's error types, by status (https://docs.anthropic.com/en/api/errors). */
const ANTHROPIC_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
};

/**
 * Anthropic's `{ type: "error", error: { type, message } }`: the `@anthropic-ai/sdk` client's
 * `RateLimitError` on 429. Its body has no code field, so Tollgate's code leads the message.
 */
export const anthropicLimitError: LimitErrorFormat = ({ status, code, message }) =>
  Response.json(
    {
      type: "error",
      error: {
        type: ANTHROPIC_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error"),
        message: `${code}: ${message}`,
      },
    },
    { status },
  );
