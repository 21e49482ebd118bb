import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { AccountRef } from "@tollgate/core";
import type { Meter } from "@tollgate/metering";
import { request } from "undici";
import { refusedAs } from "../http/v1/domain-input.ts";
import { ledgerFailure } from "../http/v1/ledger-failure.ts";
import type { Logger } from "../logger.ts";
import type { CallContext } from "./call-context.ts";
import { holdWhileSending, type UpstreamAttempt } from "./hold-while-sending.ts";
import { ProxiedCall } from "./proxied-call.ts";
import type { HoldRequest, PreparedCall, UpstreamRequest } from "./proxy-protocol.ts";
import { type ProxyTarget, upstreamTimeouts } from "./proxy-target.ts";

export interface HoldAndSendOptions {
  meter: Meter;
  deps: { logger: Logger; clampMaxTokens?: boolean };
  target: ProxyTarget;
  account: AccountRef;
  prepared: PreparedCall;
  context: CallContext;
}

/** A held call and its upstream request's outcome; `clampedTo`: the output limit it was lowered to. */
export interface HeldCall {
  call: ProxiedCall;
  upstream: UpstreamAttempt;
  clampedTo: number | null;
}

/**
 * Holds the call and sends it upstream at the same time (`holdWhileSending`). A hold refused
 * for `insufficient_credits` is tried once more, when the protocol and the deployment clamp,
 * with the output lowered to what the refusal's `available` pays for; any other refusal, or
 * one the clamp cannot help, is thrown as the ledger's `ApiError`, the upstream request aborted.
 *
 * @example
 * const { call, upstream } = await holdAndSend({ meter, deps, target, account, prepared, context });
 */
export async function holdAndSend(options: HoldAndSendOptions): Promise<HeldCall> {
  const { meter, deps, account, prepared, context } = options;
  const { provider, model } = prepared;
  let sent = await attempt(options, prepared.hold, prepared.upstream({}));
  let clampedTo: number | null = null;
  const { held } = sent;
  if (!held.ok && held.code === "insufficient_credits" && deps.clampMaxTokens !== false && prepared.clampsOutput) {
    const { availableMinor } = held.details;
    const affordable =
      availableMinor === undefined
        ? null
        : await meter.affordableMaxTokens({ provider, model, ...prepared.hold, availableMinor });
    if (affordable !== null) {
      clampedTo = affordable;
      sent = await attempt(
        options,
        { ...prepared.hold, maxTokens: affordable },
        prepared.upstream({ maxOutputTokens: affordable }),
      );
    }
  }
  if (!sent.held.ok) throw ledgerFailure(sent.held, { ledger: meter.ledger, unit: meter.unit.unit });
  assert.ok(sent.upstream, "a placed hold hands over the upstream's attempt");
  const call = new ProxiedCall(meter, deps.logger, {
    account,
    provider,
    model,
    idempotencyKey: sent.idempotencyKey,
    hold: sent.held.value,
    ...context,
  });
  return { call, upstream: sent.upstream, clampedTo };
}

/** One hold (under a key of its own) beside one upstream request. */
async function attempt(options: HoldAndSendOptions, hold: HoldRequest, outgoing: UpstreamRequest) {
  const { meter, account, prepared, context, target } = options;
  const { provider, model } = prepared;
  const idempotencyKey = `proxy:${randomUUID()}`;
  const sent = await holdWhileSending({
    hold: () =>
      refusedAs("messages", () =>
        meter.authorizeCall({
          account,
          idempotencyKey,
          provider,
          model,
          ...hold,
          ...(context.feature === undefined ? {} : { feature: context.feature }),
        }),
      ),
    accepted: (result) => result.ok,
    send: (signal) => {
      const { headersTimeoutMs, idleTimeoutMs } = upstreamTimeouts(target);
      return request(`${target.baseUrl}${outgoing.path}`, {
        method: "POST",
        signal,
        headersTimeout: headersTimeoutMs,
        bodyTimeout: idleTimeoutMs,
        headers: {
          ...outgoing.headers,
          ...target.headers,
          "content-type": "application/json",
          accept: prepared.streaming ? "text/event-stream" : "application/json",
        },
        body: JSON.stringify(outgoing.body),
      });
    },
  });
  return { ...sent, idempotencyKey };
}
