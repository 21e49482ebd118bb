import type { PlanCatalog } from "@tollgate/core";
import { type Ledger, StripeEvents } from "@tollgate/store";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../http/api-error.ts";
import type { Logger } from "../logger.ts";
import { KeyedMutex } from "./keyed-mutex.ts";
import type { StripeEventHandlers } from "./stripe-event-handlers.ts";
import { verifyStripeEvent } from "./stripe-webhook-verify.ts";

/**
 * `POST /stripe/webhook`: Stripe's deliveries. No API key: the signature is the
 * authentication, checked on the raw body before anything parses it. A bad or missing signature
 * is 400, logged, and nothing else happens. A verified event is logged in `stripe_events`; its
 * handler runs on its first delivery (and again only if an earlier run failed or was cut off),
 * so a duplicate is counted and answered 200 without running its effect again.
 *
 * @example
 * app.route("/", stripeWebhookRoute({ ledger, catalog, secrets: ["whsec_…"], handlers, logger }));
 */
export function stripeWebhookRoute(deps: {
  ledger: Ledger;
  catalog: PlanCatalog;
  secrets: readonly string[];
  handlers: StripeEventHandlers;
  logger: Logger;
}): Hono<AppEnv> {
  const log = new StripeEvents(deps.ledger.sql);
  const locks = new KeyedMutex();
  const app = new Hono<AppEnv>();
  app.post("/stripe/webhook", async (c) => {
    if (deps.secrets.length === 0) {
      throw new ApiError(
        "stripe_not_configured",
        "Stripe webhooks are not set up on this deployment: set STRIPE_WEBHOOK_SECRET to the endpoint's signing secret (whsec_…) and restart.",
      );
    }
    // The bytes as sent: a parsed and re-serialized body would no longer match its signature.
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const verified = verifyStripeEvent({
      rawBody,
      signature: c.req.header("stripe-signature"),
      secrets: deps.secrets,
      receivedAtMs: deps.ledger.now().getTime(),
    });
    if (!verified.ok) {
      deps.logger.warn("stripe webhook refused: signature not verified", {
        reason: verified.message.slice(0, 300),
        bytes: rawBody.length,
      });
      throw new ApiError("invalid_request", verified.message, { reason: "signature_verification_failed" });
    }
    const { event } = verified;
    const delivery = await log.receive({
      eventId: event.id,
      type: event.type,
      created: new Date(event.created * 1000),
      livemode: event.livemode,
      now: deps.ledger.now(),
    });
    if (!delivery.runEffect) {
      return c.json({ received: true, duplicate: true, outcome: delivery.event.outcome }, 200);
    }
    const handler = deps.handlers[event.type];
    if (!handler) {
      await log.finish({
        eventId: event.id,
        outcome: "ignored",
        detail: null,
        accountId: null,
        now: deps.ledger.now(),
      });
      return c.json({ received: true, duplicate: false, outcome: "ignored" }, 200);
    }
    try {
      const effect = await handler(event, { ledger: deps.ledger, catalog: deps.catalog, locks });
      await log.finish({ eventId: event.id, ...effect, now: deps.ledger.now() });
      if (effect.outcome === "failed") {
        deps.logger.warn("stripe event failed", { eventId: event.id, type: event.type, detail: effect.detail });
      }
      return c.json({ received: true, duplicate: false, outcome: effect.outcome }, 200);
    } catch (error) {
      deps.logger.error("stripe event handler threw; Stripe will deliver it again", {
        eventId: event.id,
        type: event.type,
        error: String(error).slice(0, 300),
      });
      await log.finish({
        eventId: event.id,
        outcome: "failed",
        detail: "the handler failed; it runs again on the next delivery",
        accountId: null,
        now: deps.ledger.now(),
      });
      throw error;
    }
  });
  return app;
}
