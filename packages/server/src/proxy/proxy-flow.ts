import type { AccountRef } from "@tollgate/core";
import type { Meter } from "@tollgate/metering";
import { CommitLaneFull, isDatabaseUnavailable, type StoredHttpResponse } from "@tollgate/store";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../http/api-error.ts";
import type { KeyStore } from "../http/v1/auth.ts";
import type { Logger } from "../logger.ts";
import { type CallContext, callContextOf } from "./call-context.ts";
import { chargeHeaders } from "./charge-headers.ts";
import { holdAndSend } from "./hold-and-send.ts";
import type { UpstreamAnswer } from "./hold-while-sending.ts";
import type { StreamDeadline } from "./limits/stream-deadline.ts";
import type { ProxiedCall } from "./proxied-call.ts";
import { proxyAccount } from "./proxy-account.ts";
import { type ProxyError, proxyErrorOf, retryAfterSecondsOf } from "./proxy-error.ts";
import {
  accountScope,
  type ClaimedKey,
  KEPT_ANSWER_BYTES_MAX,
  NO_KEY,
  type ProxyIdempotency,
} from "./proxy-idempotency.ts";
import type { PreparedCall, ProxyProtocol } from "./proxy-protocol.ts";
import type { ProxyTarget } from "./proxy-target.ts";
import { relayStream } from "./stream-relay.ts";
import { countTokens } from "./streamed-tokens.ts";
import { isTimeout, passedThrough, passesThrough, upstreamError, upstreamTimeout } from "./upstream-failure.ts";

/** What every proxied route is built from, whatever its protocol. */
export interface ProxyFlowDependencies {
  meter: Meter;
  keys: Pick<KeyStore, "verify">;
  logger: Logger;
  nowMs: () => number;
  /**
   * Lower a call's output limit (`max_tokens`) to what the balance pays for, instead of
   * refusing it 402, for protocols that can (`clampsOutput`). Default true.
   */
  clampMaxTokens?: boolean;
  /** `Idempotency-Key` for proxied calls; without it, the header is ignored. */
  idempotency?: ProxyIdempotency;
  /** Cuts a stream that runs too long (`TOLLGATE_PROXY_STREAM_MAX_SECONDS`); none: no limit. */
  streamDeadline?: Pick<StreamDeadline, "watch">;
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
      return await proxyCall(c.req.raw, protocol, options, c.get("proxyAccount"));
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        options.deps.logger.warn("a proxied call failed: the database is unavailable", { error: String(error) });
      } else if (!(error instanceof ApiError) && !(error instanceof CommitLaneFull)) {
        options.deps.logger.error("proxied call failed", { error: String(error) });
      }
      const response = protocol.error(proxyErrorOf(error));
      const retryAfterSeconds = retryAfterSecondsOf(error);
      if (retryAfterSeconds !== null) response.headers.set("retry-after", String(retryAfterSeconds));
      return response;
    }
  };
}

/**
 * One proxied call, any protocol: authenticate, check the body, claim its `Idempotency-Key`
 * (a retry is answered from the first call's kept answer), hold the most the call can cost
 * while the request is already on its way to the target (`holdWhileSending`: nothing is passed
 * on before the hold is placed, and a refused hold aborts the request), pass the answer (or
 * its stream) through, and settle the hold from the provider's usage (or the counted tokens).
 * Refusals are thrown as `ApiError`; the upstream's failures are answered here, in the
 * protocol's format, with the hold released.
 */
export async function proxyCall(
  req: Request,
  protocol: ProxyProtocol,
  options: ProxyRouteOptions,
  /** The caller's account when the limits in front of the route have already authenticated it. */
  authenticated?: AccountRef,
): Promise<Response> {
  const { deps, target } = options;
  const { ledger } = deps.meter;
  const account = authenticated ?? (await proxyAccount(req.headers, { keys: deps.keys, clock: () => ledger.now() }));
  const body = await req.text();
  const prepared = protocol.prepare(parseJson(body), { headers: req.headers, defaultProvider: target.defaultProvider });
  const context = callContextOf(req.headers);
  const claim = deps.idempotency
    ? await deps.idempotency.claim({
        headers: req.headers,
        account: () => accountScope(ledger, account),
        target: new URL(req.url).pathname,
        body,
      })
    : ({ kind: "claimed", key: NO_KEY } as const);
  if (claim.kind === "replay") return claim.response;
  if (claim.kind === "refused") return withHeaders(protocol.error(claim.error), claim.headers);
  try {
    return await forward({ ...options, protocol, account, prepared, context, key: claim.key });
  } catch (error) {
    await claim.key.drop().catch((dropped: unknown) => {
      deps.logger.error("a proxied call's Idempotency-Key was not given back", { error: String(dropped) });
    });
    throw error;
  }
}

interface ForwardedCall extends ProxyRouteOptions {
  protocol: ProxyProtocol;
  account: AccountRef;
  prepared: PreparedCall;
  context: CallContext;
  key: ClaimedKey;
}

/** The call past its checks: held, sent, relayed and settled; its answer kept under its key. */
async function forward(forwarded: ForwardedCall): Promise<Response> {
  const { deps, target, protocol, key } = forwarded;
  const startedMs = deps.nowMs();
  const { call, upstream, clampedTo } = await holdAndSend({ ...forwarded, meter: deps.meter });
  const failed = async (why: string, error: ProxyError) => {
    await call.release(why);
    await key.drop();
    return protocol.error(error);
  };
  if (!upstream.ok) {
    if (isTimeout(upstream.error)) return failed("upstream timed out", upstreamTimeout(target));
    deps.logger.warn("the upstream is unreachable", { error: String(upstream.error) });
    return failed("upstream unreachable", upstreamError("The upstream could not be reached."));
  }
  const answer = upstream.answer;
  if (answer.statusCode >= 400) {
    // Read, not left hanging: the connection goes back to the pool.
    const body = await answer.body.text().catch(() => "");
    const status = answer.statusCode;
    if (passesThrough(status)) {
      // The provider's own refusal, for the client to read: nothing was produced, nothing is
      // charged, and the key is given back (a retry asks the upstream again).
      await call.release(`upstream answered ${status}`);
      await key.drop();
      return passedThrough(answer, body);
    }
    // A 4xx here is the deployment's own key or funds: an operator's to fix, so an error.
    const detail = { status, detail: body.slice(0, 500) };
    if (status < 500) deps.logger.error("the upstream refused the deployment's key or account", detail);
    else deps.logger.warn("the upstream failed a call", detail);
    return failed(`upstream answered ${status}`, upstreamError(`The upstream answered ${status}.`));
  }
  const holdHeaders = {
    "x-tollgate-hold-id": call.holdId,
    ...(clampedTo === null ? {} : { "x-tollgate-max-tokens-clamped": String(clampedTo) }),
  };
  const relayed: RelayedAnswer = { ...forwarded, call, answer: upstream.answer, holdHeaders, startedMs, failed };
  return forwarded.prepared.streaming ? relayedStream(relayed) : await wholeAnswer(relayed);
}

interface RelayedAnswer extends ForwardedCall {
  call: ProxiedCall;
  answer: UpstreamAnswer;
  holdHeaders: Record<string, string>;
  startedMs: number;
  failed: (why: string, error: ProxyError) => Promise<Response>;
}

/** A stream, relayed as it comes and settled at its end; its events kept under the key. */
function relayedStream(relayed: RelayedAnswer): Response {
  const { deps, target, protocol, prepared, key, call, answer } = relayed;
  const headers = { "content-type": "text/event-stream", "cache-control": "no-cache", ...relayed.holdHeaders };
  const keep = (transcript: Uint8Array | null) => {
    const kept = transcript ? Promise.resolve({ status: 200, headers, body: transcript }) : tooLargeToKeep(protocol);
    kept.then(key.keep).catch((error: unknown) => {
      deps.logger.error("a proxied stream's answer was not kept", { error: String(error) });
    });
  };
  deps.streamDeadline?.watch(answer.body);
  const stream = relayStream({
    upstream: answer.body,
    call,
    ledger: deps.meter.ledger,
    reader: prepared.streamReader(),
    drainBytesMax: target.drainBytesMax,
    startedMs: relayed.startedMs,
    nowMs: deps.nowMs,
    onError: (error) => deps.logger.error("a proxied stream failed", { error: String(error) }),
    ...(key === NO_KEY ? {} : { transcriptBytesMax: KEPT_ANSWER_BYTES_MAX, onTranscript: keep }),
  });
  return new Response(stream, { status: 200, headers });
}

/** A whole answer: read, settled, its charge in the headers, kept under the key. */
async function wholeAnswer(relayed: RelayedAnswer): Promise<Response> {
  const { deps, target, protocol, prepared, key, call, answer, failed } = relayed;
  const { ledger } = deps.meter;
  let text: string;
  try {
    text = await answer.body.text();
  } catch (error) {
    if (isTimeout(error)) return failed("upstream timed out", upstreamTimeout(target));
    return failed("upstream answer cut", upstreamError("The upstream's answer was cut."));
  }
  const consumed = await consumedBy(prepared, call, parseJson(text));
  const outcome = await call.settle(consumed, deps.nowMs() - relayed.startedMs);
  const headers = {
    "content-type": answer.headers["content-type"]?.toString() ?? "application/json",
    ...relayed.holdHeaders,
    ...(outcome ? chargeHeaders(ledger, outcome) : {}),
  };
  const bytes = new TextEncoder().encode(text);
  const kept = bytes.byteLength <= KEPT_ANSWER_BYTES_MAX ? { status: 200, headers, body: bytes } : null;
  await key.keep(kept ?? (await tooLargeToKeep(protocol)));
  return new Response(bytes, { status: 200, headers });
}

/**
 * What a retry gets for a call whose answer was over the store's limit: it ran and was
 * charged, so it is not run again; the client is told so (and not to retry).
 */
async function tooLargeToKeep(protocol: ProxyProtocol): Promise<StoredHttpResponse> {
  const response = protocol.error({
    status: 409,
    code: "idempotency_answer_too_large",
    message: `The call with this Idempotency-Key ran and was charged, but its answer was over ${KEPT_ANSWER_BYTES_MAX} bytes, too large to keep for a replay. Send a new key for a new call.`,
    param: "Idempotency-Key",
  });
  return {
    status: response.status,
    headers: { "content-type": response.headers.get("content-type") ?? "application/json", "x-should-retry": "false" },
    body: new Uint8Array(await response.arrayBuffer()),
  };
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

/** A whole answer's usage: the provider's, or the prompt's estimate and the answer's counted text. */
async function consumedBy(prepared: PreparedCall, call: ProxiedCall, answer: unknown) {
  return (
    prepared.answerUsage(answer) ?? {
      usage: { inputTokens: call.estimatedInputTokens, outputTokens: await countTokens(prepared.answerText(answer)) },
    }
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
