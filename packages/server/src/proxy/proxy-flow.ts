import { randomUUID } from "node:crypto";
import type { Meter } from "@tollgate/metering";
import type { Context } from "hono";
import { request } from "undici";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../http/api-error.ts";
import type { KeyStore } from "../http/v1/auth.ts";
import { refusedAs } from "../http/v1/domain-input.ts";
import { ledgerFailure } from "../http/v1/ledger-failure.ts";
import type { Logger } from "../logger.ts";
import { chargeHeaders } from "./charge-headers.ts";
import { ProxiedCall } from "./proxied-call.ts";
import { proxyAccount } from "./proxy-account.ts";
import { proxyErrorOf } from "./proxy-error.ts";
import type { PreparedCall, ProxyProtocol } from "./proxy-protocol.ts";
import type { ProxyTarget } from "./proxy-target.ts";
import { relayStream } from "./stream-relay.ts";
import { countTokens } from "./streamed-tokens.ts";

/** What every proxied route is built from, whatever its protocol. */
export interface ProxyFlowDependencies {
  meter: Meter;
  keys: Pick<KeyStore, "verify">;
  logger: Logger;
  nowMs: () => number;
}

/** One route: its protocol and where its calls go. */
export interface ProxyRouteOptions {
  deps: ProxyFlowDependencies;
  target: ProxyTarget;
}

/**
 * A Hono handler for one protocol's route: the shared flow (`proxyCall`), every refusal in the
 * protocol's error format, and anything unexpected logged and answered 500 with nothing leaked.
 *
 * @example
 * app.post("/openai/v1/chat/completions", proxyRoute(openAIChatProtocol, { deps, target }));
 */
export function proxyRoute(protocol: ProxyProtocol, options: ProxyRouteOptions) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    try {
      return await proxyCall(c.req.raw, protocol, options);
    } catch (error) {
      if (!(error instanceof ApiError)) options.deps.logger.error("proxied call failed", { error: String(error) });
      return protocol.error(proxyErrorOf(error));
    }
  };
}

/**
 * One proxied call, any protocol: authenticate, check the body, hold the most the call can
 * cost, forward it to the target, pass the answer (or its stream) through, and settle the hold
 * from the provider's usage (or the counted tokens). Refusals are thrown as `ApiError`; the
 * upstream's failures are answered here, in the protocol's format, with the hold released.
 */
export async function proxyCall(req: Request, protocol: ProxyProtocol, options: ProxyRouteOptions): Promise<Response> {
  const { deps, target } = options;
  const { meter } = deps;
  const { ledger } = meter;
  const account = await proxyAccount(req.headers, { keys: deps.keys, clock: () => ledger.now() });
  const prepared = protocol.prepare(parseJson(await req.text()), {
    headers: req.headers,
    defaultProvider: target.defaultProvider,
  });
  const { provider, model } = prepared;
  const idempotencyKey = `proxy:${randomUUID()}`;
  const held = await refusedAs("messages", () =>
    meter.authorizeCall({ account, idempotencyKey, provider, model, ...prepared.hold }),
  );
  if (!held.ok) throw ledgerFailure(held, { ledger, unit: meter.unit.unit });
  const call = new ProxiedCall(meter, deps.logger, { account, provider, model, idempotencyKey, hold: held.value });

  const outgoing = prepared.upstream({});
  const startedMs = deps.nowMs();
  let answer: Awaited<ReturnType<typeof request>>;
  try {
    answer = await request(`${target.baseUrl}${outgoing.path}`, {
      method: "POST",
      headers: {
        ...outgoing.headers,
        ...target.headers,
        "content-type": "application/json",
        accept: prepared.streaming ? "text/event-stream" : "application/json",
      },
      body: JSON.stringify(outgoing.body),
    });
  } catch (error) {
    await call.release("upstream unreachable");
    deps.logger.warn("the upstream is unreachable", { error: String(error) });
    return protocol.error(upstreamError("The upstream could not be reached."));
  }
  if (answer.statusCode >= 400) {
    // Read, not left hanging: the connection goes back to the pool.
    const detail = (await answer.body.text().catch(() => "")).slice(0, 500);
    await call.release(`upstream answered ${answer.statusCode}`);
    deps.logger.warn("the upstream refused a call", { status: answer.statusCode, detail });
    return protocol.error(upstreamError(`The upstream answered ${answer.statusCode}.`));
  }
  const holdHeaders = { "x-tollgate-hold-id": held.value.holdId };
  if (prepared.streaming) {
    const stream = relayStream({
      upstream: answer.body,
      call,
      ledger,
      reader: prepared.streamReader(),
      drainBytesMax: target.drainBytesMax,
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
    return protocol.error(upstreamError("The upstream's answer was cut."));
  }
  const outcome = await call.settle(await consumedBy(prepared, call, parseJson(text)), deps.nowMs() - startedMs);
  return new Response(text, {
    status: 200,
    headers: {
      "content-type": answer.headers["content-type"]?.toString() ?? "application/json",
      ...holdHeaders,
      ...(outcome ? chargeHeaders(ledger, outcome) : {}),
    },
  });
}

/** A whole answer's usage: the provider's, or the prompt's estimate and the answer's counted text. */
async function consumedBy(prepared: PreparedCall, call: ProxiedCall, answer: unknown) {
  return (
    prepared.answerUsage(answer) ?? {
      usage: { inputTokens: call.estimatedInputTokens, outputTokens: await countTokens(prepared.answerText(answer)) },
    }
  );
}

function upstreamError(message: string) {
  return { status: 502, code: "upstream_error", message, param: null };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
