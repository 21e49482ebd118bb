import type { MiddlewareHandler } from "hono";
import type { KeyStore } from "../../http/v1/auth.ts";
import { proxyAccount } from "../proxy-account.ts";
import type { ProxyErrorFormat } from "../proxy-error.ts";
import type { ProxyLimits } from "./proxy-limits.ts";
import { whenBodyEnds } from "./when-body-ends.ts";

export interface ProxyCallLimitsOptions {
  limits: ProxyLimits;
  keys: Pick<KeyStore, "verify">;
  clock: () => Date;
  /** The route's provider error format (OpenAI's for `/openai`, Anthropic's for `/anthropic`). */
  format: ProxyErrorFormat;
}

/**
 * Per-account concurrency and rate limits around a provider's proxied routes: a call over
 * either is refused 429 `rate_limited` with `Retry-After`, in the provider's error format,
 * before anything is read, held or sent upstream. A call let in holds its concurrency slot
 * until it ends however it ends: its answer returned (the upstream answered, failed or was
 * refused), or its stream over (read to the end, failed, or cancelled by a client gone away).
 * A caller that is not authenticated passes through, for the route to refuse in its own words.
 * Only POSTs are calls: `GET /openai/v1/models` is not limited.
 *
 * @example
 * app.use("/openai/*", proxyCallLimits({ limits, keys, clock, format: openAIErrorFormat }));
 */
export function proxyCallLimits(options: ProxyCallLimitsOptions): MiddlewareHandler {
  const { limits, keys, clock, format } = options;
  return async function proxyCallLimits(c, next) {
    if (c.req.method !== "POST") return next();
    const account = await proxyAccount(c.req.raw.headers, { keys, clock }).catch(() => null);
    if (account === null) return next();
    // The route reads it from here rather than verifying the key again.
    c.set("proxyAccount", account);
    const admitted = limits.admit(account);
    if (!admitted.ok) {
      const refused = format({ status: 429, code: "rate_limited", message: admitted.message, param: null });
      refused.headers.set("retry-after", String(admitted.retryAfterSeconds));
      return refused;
    }
    const { slot } = admitted;
    try {
      await next();
    } catch (error) {
      slot.free();
      throw error;
    }
    // A stream is still running: its slot is freed when the stream's body is over.
    if (c.res.headers.get("content-type")?.startsWith("text/event-stream")) c.res = whenBodyEnds(c.res, slot.free);
    else slot.free();
  };
}
