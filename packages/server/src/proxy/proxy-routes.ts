import type { Meter } from "@tollgate/metering";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { KeyStore } from "../http/v1/auth.ts";
import type { Logger } from "../logger.ts";
import { openAIChatProtocol } from "./openai-chat-protocol.ts";
import { proxyRoute } from "./proxy-flow.ts";
import { openAITarget } from "./proxy-target.ts";
import type { UpstreamConfig } from "./upstream-config.ts";

/** What the proxy is built from. */
export interface ProxyDependencies {
  meter: Meter;
  keys: Pick<KeyStore, "verify">;
  upstream: UpstreamConfig;
  logger: Logger;
  nowMs: () => number;
}

/**
 * The proxy's routes, each a protocol on the shared flow (`proxyRoute`): authenticate, hold
 * the most the call can cost, forward to the configured upstream, pass the answer (or its
 * stream) through, and settle the hold from the provider's usage. Every refusal is in the
 * protocol's error format, so the official clients raise their usual `APIError`.
 */
export function proxyRoutes(deps: ProxyDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const openAI = { deps, target: openAITarget(deps.upstream) };
  app.post("/openai/v1/chat/completions", proxyRoute(openAIChatProtocol, openAI));
  return app;
}
