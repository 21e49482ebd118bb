import type { Meter } from "@tollgate/metering";
import { HttpIdempotencyStore } from "@tollgate/store";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { KeyStore } from "../http/v1/auth.ts";
import type { Logger } from "../logger.ts";
import { anthropicMessagesProtocol } from "./anthropic-messages-protocol.ts";
import { type AnthropicUpstreamConfig, anthropicTarget } from "./anthropic-upstream-config.ts";
import type { StreamDeadline } from "./limits/stream-deadline.ts";
import { openAIChatProtocol } from "./openai-chat-protocol.ts";
import { openAIEmbeddingsProtocol } from "./openai-embeddings-protocol.ts";
import { openAIModelsRoutes } from "./openai-models-route.ts";
import { openAIResponsesProtocol } from "./openai-responses-protocol.ts";
import { proxyRoute } from "./proxy-flow.ts";
import { ProxyIdempotency } from "./proxy-idempotency.ts";
import { openAITarget } from "./proxy-target.ts";
import type { UpstreamConfig } from "./upstream-config.ts";

/** What the proxy is built from. */
export interface ProxyDependencies {
  meter: Meter;
  keys: Pick<KeyStore, "verify">;
  /** The OpenAI-compatible upstream: `/openai/v1/*` is served only with it. */
  upstream?: UpstreamConfig;
  /** Anthropic: `/anthropic/v1/messages` is served only with it. */
  anthropic?: AnthropicUpstreamConfig;
  logger: Logger;
  nowMs: () => number;
  /** This server's instance, so a retry may take over the `Idempotency-Key`s of one that died. */
  instanceId?: string;
  /** Cuts a stream that runs too long (`TOLLGATE_PROXY_STREAM_MAX_SECONDS`); none: no limit. */
  streamDeadline?: Pick<StreamDeadline, "watch">;
}

/**
 * The proxy's routes, each a protocol on the shared flow (`proxyRoute`): authenticate, hold
 * the most the call can cost, forward to the configured upstream, pass the answer (or its
 * stream) through, and settle the hold from the provider's usage. Every refusal is in the
 * protocol's error format, so the official clients raise their usual `APIError`.
 */
export function proxyRoutes(deps: ProxyDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { ledger } = deps.meter;
  const idempotency = new ProxyIdempotency({
    store: new HttpIdempotencyStore(ledger.sql),
    clock: () => ledger.now(),
    ...(deps.instanceId === undefined ? {} : { instanceId: deps.instanceId }),
  });
  if (deps.upstream) {
    const flow = { ...deps, idempotency, clampMaxTokens: deps.upstream.clampMaxTokens ?? true };
    const openAI = { deps: flow, target: openAITarget(deps.upstream) };
    app.post("/openai/v1/chat/completions", proxyRoute(openAIChatProtocol, openAI));
    app.post("/openai/v1/responses", proxyRoute(openAIResponsesProtocol, openAI));
    app.post("/openai/v1/embeddings", proxyRoute(openAIEmbeddingsProtocol, openAI));
    app.route("/", openAIModelsRoutes(openAI));
  }
  if (deps.anthropic) {
    const flow = { ...deps, idempotency, clampMaxTokens: deps.anthropic.clampMaxTokens ?? true };
    const anthropic = { deps: flow, target: anthropicTarget(deps.anthropic) };
    app.post("/anthropic/v1/messages", proxyRoute(anthropicMessagesProtocol, anthropic));
  }
  return app;
}
