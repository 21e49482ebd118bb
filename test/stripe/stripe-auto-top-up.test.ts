// Automatic top-ups end to end, on both databases, through the official SDK against the local
// stand-in: a crossing below the threshold makes one off-session PaymentIntent (per crossing, under
// its idempotency key), the payment's webhook grants the pack once, a declined card or a missing
// customer ends the crossing failed and nothing asks again, and a refund of the top-up claws back.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig, type PlanCatalog } from "@tollgate/core";
import { testPack } from "@tollgate/core/testing";
import { Meter } from "@tollgate/metering";
import { createApp, runAutoTopUpPass, SILENT_LOGGER } from "@tollgate/server";
import { ApiKeys, AutoTopUps, StripeCustomers } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import Stripe from "stripe";
import { type StripeStandIn, startStripeStandIn } from "./stripe-stand-in.ts";

const SECRET = "whsec_top_up_secret_for_tests";
// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field, each read asserted
type Json = any;

const starter = testPack();
const catalog: PlanCatalog = { plans: [], packs: [starter], defaultPlans: {} };

for (const database of await testDatabases()) {
  describe(`automatic top-ups on ${database.name}`, () => {
    let standIn: StripeStandIn;
    let stripe: Stripe;
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    const nowMs = Date.parse("2026-03-01T12:00:00Z");
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
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
      await standIn.close();
    });

    const pass = () => runAutoTopUpPass({ ledger, stripe, catalog, logger: SILENT_LOGGER });
    const deliverEvent = async (type: string, object: unknown) => {
      const payload = JSON.stringify({
        id: `evt_t${++sequence}`,
        object: "event",
        type,
        created: Math.floor(nowMs / 1000),
        livemode: false,
        data: { object },
      });
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
      const app = createApp({ ledger, meter, keys, catalog, stripe: { client: stripe, webhookSecrets: [SECRET] } });
      const response = await app.request("/stripe/webhook", {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": signature },
        body: payload,
      });
      return { status: response.status, body: (await response.json()) as Json };
    };
    let charges = 0;
    const spend = async (accountId: string, amountMinor: bigint) => {
      const result = await ledger.charge({ account: { accountId }, amountMinor, idempotencyKey: `c-${++charges}` });
      assert.ok(result.ok);
    };
    const balanceOf = async (accountId: string) => {
      const [row] = await ledger.sql.query<{ balance_minor: bigint }>(
        "select balance_minor from balances where account_id = $1 and unit = 'credits'",
        [accountId],
      );
      return BigInt(row?.balance_minor ?? 0n);
    };
    const intentsFor = (accountId: string) =>
      standIn
        .requestsTo("POST", "/v1/payment_intents")
        .filter((request) => (request.params.metadata as Record<string, string>).tollgate_account_id === accountId);

    /** An account with 500 credits, a top-up below 100 to the starter pack, and (unless told) a customer with a card. */
    async function subscriber(name: string, card: "good" | "declines" | "none" | "no-customer" = "good") {
      const granted = await ledger.grant({
        account: { type: "user", externalId: name },
        amountMinor: 500n,
        source: "promo",
        idempotencyKey: `open-${name}`,
      });
      assert.ok(granted.ok);
      const { accountId } = granted.value;
      if (card !== "no-customer") {
        const customer = await stripe.customers.create({ metadata: { tollgate_account_id: accountId } });
        await new StripeCustomers(ledger.sql).remember({ accountId, customerId: customer.id, now: ledger.now() });
        if (card !== "none") standIn.savePaymentMethod(customer.id, { declines: card === "declines" });
      }
      await new AutoTopUps(ledger.sql).set({
        accountId,
        unit: "credits",
        thresholdMinor: 100n,
        packId: "starter",
        now: ledger.now(),
      });
      return accountId;
    }

    test("a crossing pays once off-session, and the payment's webhook grants the pack once", async () => {
      const accountId = await subscriber("topped");
      await spend(accountId, 300n);
      await pass();
      assert.equal(intentsFor(accountId).length, 0, "above the threshold: nothing asked");
      await spend(accountId, 150n); // 50: below 100
      await spend(accountId, 10n); // still below: the same crossing
      await pass();
      await pass();
      const [request, ...more] = intentsFor(accountId);
      assert.deepEqual(more, [], "one payment intent per crossing");
      assert.ok(request);
      const [crossing] = await new AutoTopUps(ledger.sql).crossings(accountId);
      assert.equal(request.idempotencyKey, `tollgate_auto_top_up_${crossing?.crossingId}`);
      assert.deepEqual(
        [request.params.amount, request.params.currency, request.params.off_session, request.params.confirm],
        ["500", "usd", "true", "true"],
      );
      assert.equal(crossing?.status, "requested");
      const intent = standIn.tables.paymentIntents.get(crossing?.paymentIntentId ?? "");
      assert.equal(intent?.status, "succeeded");
      assert.equal(await balanceOf(accountId), 40n, "nothing granted before the webhook");
      const first = await deliverEvent("payment_intent.succeeded", intent);
      assert.equal(first.body.outcome, "processed", JSON.stringify(first.body));
      // Stripe may send the same payment's success as a new event too: still one grant.
      const second = await deliverEvent("payment_intent.succeeded", intent);
      assert.equal(second.body.outcome, "processed");
      assert.equal(await balanceOf(accountId), 40n + 1125n);
      assert.equal((await new AutoTopUps(ledger.sql).crossings(accountId))[0]?.status, "succeeded");
      // A refund of the top-up's charge claws back, as for a checkout's pack.
      const refunded = await deliverEvent("charge.refunded", {
        id: `ch_${accountId.slice(5, 20)}`,
        object: "charge",
        amount: 500,
        amount_refunded: 500,
        currency: "usd",
        payment_intent: intent?.id,
      });
      assert.equal(refunded.body.outcome, "processed");
      assert.equal(await balanceOf(accountId), 40n);
      assert.equal((await ledger.reconcile()).ok, true);
    });

    test("a declined card ends the crossing failed, and nothing asks again", async () => {
      const accountId = await subscriber("declined", "declines");
      await spend(accountId, 450n);
      await pass();
      await pass();
      assert.equal(intentsFor(accountId).length, 1);
      const [crossing] = await new AutoTopUps(ledger.sql).crossings(accountId);
      assert.equal(crossing?.status, "failed");
      assert.match(crossing?.detail ?? "", /declined.*card_declined/);
      // Stripe also reports it as an event: recorded, still nothing granted.
      const intent = [...standIn.tables.paymentIntents.values()].find(
        (x) => x.customer !== null && x.status !== "succeeded",
      );
      const failed = await deliverEvent("payment_intent.payment_failed", intent);
      assert.equal(failed.body.outcome, "processed");
      assert.equal(await balanceOf(accountId), 50n);
    });

    test("without a customer or a saved card the crossing fails with why, asking Stripe for no payment", async () => {
      const noCustomer = await subscriber("no-customer", "no-customer");
      const noCard = await subscriber("no-card", "none");
      await spend(noCustomer, 450n);
      await spend(noCard, 450n);
      await pass();
      assert.deepEqual([intentsFor(noCustomer).length, intentsFor(noCard).length], [0, 0]);
      const [first] = await new AutoTopUps(ledger.sql).crossings(noCustomer);
      const [second] = await new AutoTopUps(ledger.sql).crossings(noCard);
      assert.match(first?.detail ?? "", /never checked out/);
      assert.match(second?.detail ?? "", /no saved payment method/);
    });

    test("a payment intent Tollgate's top-up did not make is ignored", async () => {
      const answer = await deliverEvent("payment_intent.succeeded", {
        id: "pi_checkout",
        object: "payment_intent",
        created: Math.floor(nowMs / 1000),
        metadata: {},
      });
      assert.equal(answer.body.outcome, "ignored");
    });
  });
}
