// Stripe end to end, through the app and the official SDK against the local stand-in, on both
// databases: push (create, nothing to do, a price change), checkout for a plan and a pack,
// the portal, and the signed webhook: rotation, refusals, and a redelivery that grants once.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig, type PlanCatalog, type PlanDefinition } from "@tollgate/core";
import { testPack } from "@tollgate/core/testing";
import { Meter } from "@tollgate/metering";
import { createApp } from "@tollgate/server";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import Stripe from "stripe";
import { type StripeStandIn, startStripeStandIn } from "./stripe-stand-in.ts";

const SECRET_OLD = "whsec_old_secret_for_tests";
const SECRET_NEW = "whsec_new_secret_for_tests";
const HOUR_MS = 3_600_000;
const PACK_LIFETIME_MS = 30 * 24 * HOUR_MS;
// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field, each read asserted
type Json = any;

const plan = (price: PlanDefinition["price"]): PlanDefinition => ({
  id: "pro",
  name: "Pro",
  period: { every: "month", anchor: "calendar", timeZone: "UTC" },
  allocations: [{ unit: "credits", amountMinor: 1000n, renewal: "reset", rolloverCapMinor: null }],
  models: { allow: null, deny: [] },
  features: { allow: null, deny: [] },
  overage: { policy: "block" },
  markup: null,
  price,
  stripePriceId: null,
  downgrade: "period_end",
  cancel: "period_end",
});
const starter = testPack({ expiresInMs: PACK_LIFETIME_MS });
const free: PlanDefinition = { ...plan(null), id: "free", name: "Free" };

for (const database of await testDatabases()) {
  describe(`Stripe on ${database.name}`, () => {
    let standIn: StripeStandIn;
    let stripe: Stripe;
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let admin = "";
    let nowMs = Date.parse("2026-03-01T12:00:00Z");
    let catalog: PlanCatalog = {
      plans: [plan({ amountMinor: 900n, currency: "eur" }), free],
      packs: [starter],
      defaultPlans: {},
    };
    let sequence = 0;

    before(async () => {
      standIn = await startStripeStandIn({ nowSeconds: () => Math.floor(nowMs / 1000) });
      stripe = new Stripe("sk_test_tollgate", { host: "127.0.0.1", port: standIn.port, protocol: "http" });
      ledger = await openTestLedger(database, {
        config: defineLedgerConfig({ signupGrants: { user: [], organization: [], guest: [] } }),
        clock: () => new Date(nowMs),
      });
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      admin = (await keys.create({ kind: "secret", name: "admin", admin: true })).token;
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
      await standIn.close();
    });

    // Built per call, so a test may change the catalog (a new price) as a new configuration would.
    const app = (stripeClient: Stripe | null = stripe, secrets = [SECRET_OLD, SECRET_NEW]) =>
      createApp({ ledger, meter, keys, catalog, stripe: { client: stripeClient, webhookSecrets: secrets } });
    const call = async (method: "GET" | "POST", path: string, body?: unknown, stripeClient?: Stripe | null) => {
      const response = await app(stripeClient).request(path, {
        method,
        headers: {
          authorization: `Bearer ${admin}`,
          ...(body === undefined ? {} : { "content-type": "application/json", "idempotency-key": `k-${++sequence}` }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Json };
    };
    const deliver = async (payload: string, signature: string | null, secrets?: string[]) => {
      const response = await app(stripe, secrets).request("/stripe/webhook", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(signature === null ? {} : { "stripe-signature": signature }),
        },
        body: payload,
      });
      return { status: response.status, body: (await response.json()) as Json };
    };
    const sign = (payload: string, secret = SECRET_NEW, timestamp = Math.floor(nowMs / 1000)) =>
      Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

    test("push creates products and prices, a second run changes nothing, a new price moves the lookup key", async () => {
      const dry = await call("POST", "/v1/stripe/push", { dryRun: true });
      assert.equal(dry.status, 200, JSON.stringify(dry.body));
      assert.equal(dry.body.applied, false);
      assert.deepEqual(
        dry.body.changes.map((change: { kind: string; item: string }) => `${change.kind} ${change.item}`),
        [
          "create_product plan:pro",
          "create_price plan:pro",
          "skip plan:free",
          "create_product pack:starter",
          "create_price pack:starter",
        ],
      );
      assert.equal(standIn.requestsTo("POST", "/v1/prices").length, 0, "a dry run writes nothing");

      const first = await call("POST", "/v1/stripe/push", { dryRun: false });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.applied, true);
      const prices = standIn.requestsTo("POST", "/v1/prices");
      assert.equal(prices.length, 2);
      const [planPrice, packPrice] = prices.map((request) => request.params);
      assert.equal(planPrice?.lookup_key, "tollgate_plan_pro");
      assert.deepEqual(planPrice?.recurring, { interval: "month", interval_count: "1" });
      assert.equal(planPrice?.unit_amount, "900");
      assert.equal(packPrice?.lookup_key, "tollgate_pack_starter");
      assert.equal(packPrice?.recurring, undefined, "a pack is a one-time price");
      assert.ok(prices.every((request) => request.idempotencyKey?.startsWith("tollgate_push_")));

      const second = await call("POST", "/v1/stripe/push", { dryRun: false });
      assert.deepEqual(
        second.body.changes.map((change: { kind: string }) => change.kind),
        ["skip"],
        "only the free plan's note",
      );

      const oldPrice = (await stripe.prices.list({ lookup_keys: ["tollgate_plan_pro"] })).data[0];
      catalog = { ...catalog, plans: [{ ...plan({ amountMinor: 1200n, currency: "eur" }), name: "Pro+" }, free] };
      const changed = await call("POST", "/v1/stripe/push", { dryRun: false });
      assert.deepEqual(
        changed.body.changes.map((change: { kind: string }) => change.kind),
        ["rename_product", "create_price", "deactivate_price", "skip"],
      );
      const current = (await stripe.prices.list({ lookup_keys: ["tollgate_plan_pro"] })).data;
      assert.equal(current.length, 1);
      assert.equal(current[0]?.unit_amount, 1200);
      assert.notEqual(current[0]?.id, oldPrice?.id);
      assert.equal(standIn.requestsTo("POST", "/v1/prices").at(-1)?.params.transfer_lookup_key, "true");
      const retired = await stripe.prices.retrieve(oldPrice?.id ?? "");
      assert.equal(retired.active, false);
      assert.equal(retired.lookup_key, null);
      assert.equal((await stripe.products.retrieve(String(current[0]?.product))).name, "Pro+");
      assert.deepEqual(
        (await call("POST", "/v1/stripe/push", { dryRun: true })).body.changes.map(
          (change: { kind: string }) => change.kind,
        ),
        ["skip"],
      );
    });

    test("checkout for a plan and a pack: one customer, the right mode, price and account", async () => {
      const planSession = await call("POST", "/v1/checkout-sessions", {
        account: "user:alice",
        plan: "pro",
        successUrl: "https://app.example/ok",
        cancelUrl: "https://app.example/cancel",
      });
      assert.equal(planSession.status, 200, JSON.stringify(planSession.body));
      assert.match(planSession.body.url, /^https:\/\/checkout\.stripe\.com\//);
      const packSession = await call("POST", "/v1/checkout-sessions", {
        account: "user:alice",
        pack: "starter",
        successUrl: "https://app.example/ok",
        cancelUrl: "https://app.example/cancel",
      });
      assert.equal(packSession.status, 200, JSON.stringify(packSession.body));
      const accountId = await ledger.accounts.findId({ type: "user", externalId: "alice" });
      const sent = standIn.requestsTo("POST", "/v1/checkout/sessions").map((request) => request.params);
      const planPrice = (await stripe.prices.list({ lookup_keys: ["tollgate_plan_pro"] })).data[0]?.id;
      const packPrice = (await stripe.prices.list({ lookup_keys: ["tollgate_pack_starter"] })).data[0]?.id;
      assert.equal(sent[0]?.mode, "subscription");
      assert.deepEqual(sent[0]?.line_items, [{ price: planPrice, quantity: "1" }]);
      assert.equal(sent[0]?.client_reference_id, accountId);
      assert.deepEqual(sent[0]?.metadata, { tollgate_account_id: accountId, tollgate_plan: "pro" });
      assert.equal(sent[1]?.mode, "payment");
      assert.deepEqual(sent[1]?.line_items, [{ price: packPrice, quantity: "1" }]);
      assert.deepEqual(sent[1]?.metadata, { tollgate_account_id: accountId, tollgate_pack: "starter" });
      assert.equal(sent[0]?.customer, sent[1]?.customer, "the account's customer is made once");
      assert.equal(standIn.requestsTo("POST", "/v1/customers").length, 1);

      const missing = await call("POST", "/v1/checkout-sessions", {
        account: "user:alice",
        plan: "free",
        successUrl: "https://app.example/ok",
        cancelUrl: "https://app.example/cancel",
      });
      assert.equal(missing.status, 409);
      assert.equal(missing.body.error.code, "stripe_price_missing");
      assert.match(missing.body.error.message, /tollgate stripe push/);
      const both = await call("POST", "/v1/checkout-sessions", {
        account: "user:alice",
        plan: "pro",
        pack: "starter",
        successUrl: "https://app.example/ok",
        cancelUrl: "https://app.example/cancel",
      });
      assert.equal(both.status, 400);
    });

    test("portal: 404 for an account that never checked out, a session for one that did", async () => {
      await ledger.accounts.ensure({ type: "user", externalId: "bob" });
      const none = await call("POST", "/v1/portal-sessions", { account: "user:bob", returnUrl: "https://app.example" });
      assert.equal(none.status, 404);
      assert.match(none.body.error.message, /no Stripe customer/);
      const portal = await call("POST", "/v1/portal-sessions", {
        account: "user:alice",
        returnUrl: "https://app.example",
      });
      assert.equal(portal.status, 200, JSON.stringify(portal.body));
      assert.match(portal.body.url, /^https:\/\/billing\.stripe\.com\//);
      const sent = standIn.requestsTo("POST", "/v1/billing_portal/sessions").at(-1)?.params;
      assert.equal(sent?.return_url, "https://app.example");
    });

    test("a paid pack checkout grants the pack once, however often it is delivered", async () => {
      const accountId = await ledger.accounts.findId({ type: "user", externalId: "alice" });
      const session = [...standIn.tables.sessions.values()].find((s) => s.mode === "payment");
      assert.ok(session && accountId);
      const payload = JSON.stringify({
        id: "evt_pack_paid_1",
        object: "event",
        type: "checkout.session.completed",
        created: Math.floor(nowMs / 1000),
        livemode: false,
        data: { object: { ...session, status: "complete", payment_status: "paid" } },
      });
      const first = await deliver(payload, sign(payload, SECRET_OLD));
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.outcome, "processed");
      const again = await deliver(payload, sign(payload, SECRET_NEW));
      assert.equal(again.status, 200);
      assert.equal(again.body.duplicate, true);
      const lots = await ledger.sql.query<{ granted_minor: bigint; expires_at: Date }>(
        "select granted_minor, expires_at from lots where account_id = $1 and source = 'pack'",
        [accountId],
      );
      assert.deepEqual(
        lots.map((lot) => lot.granted_minor),
        [1125n],
        "one lot: 1000 plus 12.5% rounded down",
      );
      assert.equal(lots[0]?.expires_at.getTime(), session.created * 1000 + PACK_LIFETIME_MS);
      const purchased = await ledger.sql.query<{ data: { amountMinor: string } }>(
        "select data from webhook_events where account_id = $1 and type = 'pack.purchased'",
        [accountId],
      );
      assert.deepEqual(
        purchased.map((event) => event.data.amountMinor),
        ["1125"],
        "one pack.purchased, however often the checkout is delivered",
      );
      const log = await call("GET", "/v1/stripe/events?type=checkout.session.completed&outcome=processed");
      assert.equal(log.status, 200);
      assert.equal(log.body.data.length, 1);
      assert.equal(log.body.data[0].deliveries, 2);
      assert.equal(log.body.data[0].accountId, accountId);
    });

    test("a crash between the grant and the log row grants nothing twice", async () => {
      const accountId = await ledger.accounts.findId({ type: "user", externalId: "alice" });
      const session = {
        id: "cs_test_crashed",
        object: "checkout.session",
        mode: "payment",
        payment_status: "paid",
        created: Math.floor(nowMs / 1000),
        client_reference_id: accountId,
        metadata: { tollgate_account_id: accountId, tollgate_pack: "starter" },
      };
      // The grant landed, then the process died before recording the event's outcome.
      await ledger.grant({
        account: { accountId: accountId ?? "" },
        unit: "credits",
        amountMinor: 1125n,
        source: "pack",
        expiresAt: new Date(session.created * 1000 + PACK_LIFETIME_MS),
        idempotencyKey: "stripe_checkout_cs_test_crashed",
      });
      await ledger.sql.query(
        "insert into stripe_events (event_id, type, created, livemode, received_at, deliveries, outcome, updated_at) values ('evt_crashed', 'checkout.session.completed', now(), false, now(), 1, 'received', now())",
      );
      const payload = JSON.stringify({
        id: "evt_crashed",
        object: "event",
        type: "checkout.session.completed",
        created: session.created,
        livemode: false,
        data: { object: session },
      });
      const redelivered = await deliver(payload, sign(payload));
      assert.equal(redelivered.body.outcome, "processed");
      const [row] = await ledger.sql.query<{ count: bigint }>(
        "select count(*) as count from lots where transaction_id in (select transaction_id from lots where account_id = $1) and source = 'pack'",
        [accountId],
      );
      assert.equal(Number(row?.count), 2, "the earlier pack and this one, each once");
      const logged = await call("GET", "/v1/stripe/events?outcome=processed");
      const event = logged.body.data.find((e: { id: string }) => e.id === "evt_crashed");
      assert.match(event.detail, /already granted/);
    });

    test("signatures: wrong secret, tampered body, 301 s old and no header are refused and change nothing", async () => {
      const payload = JSON.stringify({
        id: "evt_refused",
        object: "event",
        type: "customer.created",
        created: 1,
        livemode: false,
        data: { object: {} },
      });
      const wrong = await deliver(payload, sign(payload, "whsec_someone_else"));
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.error.details.reason, "signature_verification_failed");
      assert.match(wrong.body.error.message, /raw request body/);
      const tampered = await deliver(payload.replace("customer.created", "customer.deleted"), sign(payload));
      assert.equal(tampered.status, 400);
      const old = await deliver(payload, sign(payload, SECRET_NEW, Math.floor(nowMs / 1000) - 301));
      assert.equal(old.status, 400);
      assert.match(old.body.error.message, /tolerance/);
      const justInTime = Math.floor(nowMs / 1000) - 300;
      const none = await deliver(payload, null);
      assert.equal(none.status, 400);
      assert.match(none.body.error.message, /Stripe-Signature/);
      const log = await call("GET", "/v1/stripe/events?type=customer.created");
      assert.equal(log.body.data.length, 0, "nothing refused is recorded");
      // The edge of the tolerance is still inside it, and a type without a handler is ignored.
      const accepted = await deliver(payload, sign(payload, SECRET_NEW, justInTime));
      assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
      assert.equal(accepted.body.outcome, "ignored");
      nowMs += HOUR_MS;
    });

    test("without Stripe set up the routes say how to set it up", async () => {
      const checkout = await call(
        "POST",
        "/v1/checkout-sessions",
        { account: "user:alice", pack: "starter", successUrl: "https://a.example", cancelUrl: "https://a.example" },
        null,
      );
      assert.equal(checkout.status, 501);
      assert.equal(checkout.body.error.code, "stripe_not_configured");
      assert.match(checkout.body.error.message, /STRIPE_SECRET_KEY/);
      const payload = "{}";
      const webhook = await deliver(payload, sign(payload), []);
      assert.equal(webhook.status, 501);
      assert.match(webhook.body.error.message, /STRIPE_WEBHOOK_SECRET/);
    });
  });
}
