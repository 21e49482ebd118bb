import type { Context } from "hono";
import { ApiError } from "../api-error.ts";
import type { OpenStreamResult } from "./live-streams.ts";

/**
 * How long a refused stream is told to wait. A place frees when another stream ends, which no
 * clock predicts; a few seconds keeps a retrying client from hammering without a long outage.
 */
export const STREAM_RETRY_AFTER_SECONDS = 5;

/**
 * The answer to a stream a limit refused, with `Retry-After` set on the context: 429
 * `rate_limited` when the caller's own key or account holds too many (the caller's doing),
 * 503 `unavailable` when this instance is full or shutting down (another instance may take it).
 *
 * @example
 * if (opened.code !== "opened") throw streamRefused(c, opened);
 */
export function streamRefused(c: Context, refusal: Exclude<OpenStreamResult, { code: "opened" }>): ApiError {
  const retryAfterSeconds = STREAM_RETRY_AFTER_SECONDS;
  c.header("Retry-After", String(retryAfterSeconds));
  const details = { reason: refusal.code, streamsMax: refusal.streamsMax, retryAfterSeconds };
  const retry = `Retry after ${retryAfterSeconds} s.`;
  switch (refusal.code) {
    case "streams_per_key":
      return new ApiError(
        "rate_limited",
        `This key already has ${refusal.streamsMax} live streams open, its most. Close one (each EventSource holds one) or ${retry.toLowerCase()}`,
        details,
      );
    case "streams_per_account":
      return new ApiError(
        "rate_limited",
        `This account already has ${refusal.streamsMax} live streams open, its most, whatever keys opened them. Close one or ${retry.toLowerCase()}`,
        details,
      );
    case "streams_per_process":
      return new ApiError("unavailable", `This instance holds as many live streams as it may. ${retry}`, details);
    case "shutting_down":
      return new ApiError("unavailable", `This instance is shutting down. ${retry}`, details);
  }
}
