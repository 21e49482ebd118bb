import { randomUUID } from "node:crypto";
import type { Meter } from "@tollgate/metering";
import { Hono } from "hono";
import { request } from "undici";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../http/api-error.ts";
import type { KeyStore } from "../http/v1/auth.ts";
import { refusedAs } from "../http/v1/domain-input.ts";
import { ledgerFailure } from "../http/v1/ledger-failure.ts";
import type { Logger } from "../logger.ts";
import { chargeHeaders } from "./charge-headers.ts";
import type { StreamDeadline } from "./limits/stream-deadline.ts";
import { openAIError, openAIErrorOf } from "./openai-error.ts";
import { providerUsageOf } from "./provider-usage.ts";
import { ProxiedCall } from "./proxied-call.ts";
import { proxyAccount } from "./proxy-account.ts";
import { relayStream } from "./stream-relay.ts";
import { StreamedText } from "./streamed-tokens.ts";
import type { UpstreamConfig } from "./upstream-config.ts";

/** What the proxy is built from. */
export interface ProxyDependencies {
  meter: Meter;
  keys: Pick<KeyStore, "verify">;
  upstream: UpstreamConfig;
  logger: Logger;
  nowMs: () => number;
  /** Cuts a stream that runs too long (`TOLLGATE_PROXY_STREAM_MAX_SECONDS`); none: no limit. */
  streamDeadline?: Pick<StreamDeadline, "watch">;
}

/**
 * `POST /openai/v1/chat/completions`, OpenAI's protocol in and out: authenticate, hold the
 * most the call can cost, forward to the configured upstream, pass the answer (or its stream)
 * through, and settle the hold from the provider's usage. Every refusal is in OpenAI's error
 * format, so the official clients raise their usual `APIError`.
 */
export function proxyRoutes(deps: ProxyDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/openai/v1/chat/completions", async (c) => {
    try {
      return await chatCompletion(c.req.raw, deps);
    } catch (error) {
      if (!(error instanceof ApiError)) deps.logger.error("proxied call failed", { error: String(error) });
      return openAIErrorOf(error);
    }
  });
  return app;
}

async function chatCompletion(req: Request, deps: ProxyDependencies): Promise<Response> {
  const { meter, upstream } = deps;
  const { ledger } = meter;
  const account = await proxyAccount(req.headers, { keys: deps.keys, clock: () => ledger.now() });
  const body = await chatBody(req);
  const { provider, model } = providerModel(body.model as string, upstream.defaultProvider);
  const idempotencyKey = `proxy:${randomUUID()}`;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const held = await refusedAs("messages", () =>
    meter.authorizeCall({
      account,
      idempotencyKey,
      provider,
      model,
      messages: body.messages,
      ...(body.tools === undefined ? {} : { tools: body.tools }),
      ...(maxTokens === undefined ? {} : { maxTokens }),
      ...(body.n === undefined ? {} : { choiceCount: body.n }),
    }),
  );
  if (!held.ok) throw ledgerFailure(held, { ledger, unit: meter.unit.unit });
  const call = new ProxiedCall(meter, deps.logger, { account, provider, model, idempotencyKey, hold: held.value });

  const streaming = body.stream === true;
  const streamOptions = (body.stream_options ?? {}) as Record<string, unknown>;
  const clientWantsUsage = streamOptions.include_usage === true;
  // The provider's usage is what the call is settled from: always ask for it on a stream.
  const forwarded = streaming ? { ...body, stream_options: { ...streamOptions, include_usage: true } } : body;
  const startedMs = deps.nowMs();
  let answer: Awaited<ReturnType<typeof request>>;
  try {
    answer = await request(`${upstream.baseUrl}/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${upstream.apiKey}`,
        "content-type": "application/json",
        accept: streaming ? "text/event-stream" : "application/json",
      },
      body: JSON.stringify(forwarded),
    });
  } catch (error) {
    await call.release("upstream unreachable");
    deps.logger.warn("the upstream is unreachable", { error: String(error) });
    return openAIError(502, "upstream_error", "The upstream could not be reached.");
  }
  if (answer.statusCode >= 400) {
    // Read, not left hanging: the connection goes back to the pool.
    const detail = (await answer.body.text().catch(() => "")).slice(0, 500);
    await call.release(`upstream answered ${answer.statusCode}`);
    deps.logger.warn("the upstream refused a call", { status: answer.statusCode, detail });
    return openAIError(502, "upstream_error", `The upstream answered ${answer.statusCode}.`);
  }
  const holdHeaders = { "x-tollgate-hold-id": held.value.holdId };
  if (streaming) {
    deps.streamDeadline?.watch(answer.body);
    const stream = relayStream({
      upstream: answer.body,
      call,
      ledger,
      clientWantsUsage,
      drainBytesMax: upstream.drainBytesMax,
      startedMs,
      nowMs: deps.nowMs,
      onError: (error) => deps.logger.error("a proxied stream failed", { error: String(error) }),
    });
    return new Response(stream, {
      status: 200,
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache", ...holdHeaders },
    });
  }
  let text: string;
  try {
    text = await answer.body.text();
  } catch {
    await call.release("upstream answer cut");
    return openAIError(502, "upstream_error", "The upstream's answer was cut.");
  }
  const completion = parseJson(text);
  const reported = providerUsageOf((completion as { usage?: unknown } | undefined)?.usage);
  const streamed = new StreamedText();
  if (!reported) streamed.addMessages(completion);
  const consumed = reported ?? {
    usage: { inputTokens: call.estimatedInputTokens, outputTokens: await streamed.tokens() },
  };
  const outcome = await call.settle(consumed, deps.nowMs() - startedMs);
  return new Response(text, {
    status: 200,
    headers: {
      "content-type": answer.headers["content-type"]?.toString() ?? "application/json",
      ...holdHeaders,
      ...(outcome ? chargeHeaders(ledger, outcome) : {}),
    },
  });
}

/** The request body, checked only as far as the hold needs it; the upstream judges the rest. */
async function chatBody(req: Request): Promise<Record<string, unknown>> {
  const body = parseJson(await req.text());
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError("invalid_request", "The body must be a JSON object.", {
      fields: [{ field: "body", message: "expected a JSON object" }],
    });
  }
  const fields: Array<{ field: string; message: string }> = [];
  const record = body as Record<string, unknown>;
  if (typeof record.model !== "string" || record.model.length === 0 || record.model.length > 200) {
    fields.push({ field: "model", message: "expected a model id" });
  }
  if (!Array.isArray(record.messages) || record.messages.length === 0) {
    fields.push({ field: "messages", message: "expected a non-empty array" });
  }
  if (record.stream !== undefined && typeof record.stream !== "boolean") {
    fields.push({ field: "stream", message: "expected a boolean" });
  }
  const options = record.stream_options;
  if (options !== undefined && options !== null && (typeof options !== "object" || Array.isArray(options))) {
    fields.push({ field: "stream_options", message: "expected an object" });
  }
  const first = fields[0];
  if (first) throw new ApiError("invalid_request", `${first.field}: ${first.message}`, { fields });
  return record;
}

/** `openai/gpt-4o-mini` (OpenRouter's form) is priced as provider openai; a bare id as the default provider. */
function providerModel(id: string, defaultProvider: string): { provider: string; model: string } {
  const slash = id.indexOf("/");
  if (slash <= 0 || slash === id.length - 1) return { provider: defaultProvider, model: id };
  return { provider: id.slice(0, slash), model: id.slice(slash + 1) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
