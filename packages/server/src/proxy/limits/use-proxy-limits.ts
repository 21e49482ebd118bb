import type { Hono } from "hono";
import type { AppEnv } from "../../app-env.ts";
import type { KeyStore } from "../../http/v1/auth.ts";
import { anthropicErrorFormat } from "../anthropic-error.ts";
import { openAIErrorFormat } from "../openai-error.ts";
import type { ProxyErrorFormat } from "../proxy-error.ts";
import { proxyBodyLimit } from "./proxy-body-limit.ts";
import { proxyCallLimits } from "./proxy-call-limits.ts";
import type { ProxyLimits } from "./proxy-limits.ts";

/** Each provider's proxied routes, by path, and the error format its clients read. */
const PROVIDER_ROUTES: ReadonlyArray<{ path: string; format: ProxyErrorFormat }> = [
  { path: "/openai/*", format: openAIErrorFormat },
  { path: "/anthropic/*", format: anthropicErrorFormat },
];

/**
 * The proxy's limits in front of every provider's routes, registered before the routes:
 * the body limit first (before any work), then the per-account concurrency and rate limits.
 * The stream deadline is the route's to apply (`limits.streamDeadline.watch`), on the
 * upstream's answer.
 *
 * @example
 * useProxyLimits(app, { limits, keys, clock: () => ledger.now() });
 * app.route("/", proxyRoutes({ ...deps, streamDeadline: limits.streamDeadline }));
 */
export function useProxyLimits(
  app: Hono<AppEnv>,
  options: { limits: ProxyLimits; keys: Pick<KeyStore, "verify">; clock: () => Date },
): void {
  const { limits, keys, clock } = options;
  for (const { path, format } of PROVIDER_ROUTES) {
    app.use(path, proxyBodyLimit({ bytesMax: limits.config.bodyBytesMax, format }));
    app.use(path, proxyCallLimits({ limits, keys, clock, format }));
  }
}
