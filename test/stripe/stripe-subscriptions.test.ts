// A Stripe subscription's life through the signed webhook, on both databases: checkout starts it,
// a failed payment makes it past due (and tells the app), a payment makes it active again, a
// plan change and a cancellation at period end follow the Price and the flag, deletion ends it;
// an older event never overwrites a newer one, and events that come before the subscription's
// first are kept and applied when it starts.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig, type PlanCatalog } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { createApp } from "@tollgate/server";
import { ApiKeys, StripeSubscriptions, Webhooks } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import Stripe from "stripe";
import {
  checkoutObject,
  eventPayload,
  invoiceObject,
  type SubscriptionFacts,
  signPayload,
  soldPlan,
  subscriptionObject,
} from "./subscription-event-fixtures.ts";

const SECRET = "whsec_subscription_tests";
const catalog: PlanCatalog = {
  plans: [soldPlan("basic", 100n, 500n), soldPlan("pro", 1000n, 900n), soldPlan("team", 3000n, 2500n)],
  packs: [],
  defaultPlans: {},
};

for (const database of await testDatabases()) {
  describe(`Stripe subscriptions through the webhook on ${database.name}`, () => {
    let nowMs = Date.parse("2026-03-10T12:00:00Z");
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let app: ReturnType<typeof createApp>;
    before(async () => {
      ledger = await openTestLedger(database, {
        config: defineLedgerConfig({ signupGrants: { user: [], organization: [], guest: [] } }),
        clock: () => new Date(nowMs),
      });
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      app = createApp({
        ledger,
        meter,
        keys,
        catalog,
        stripe: { client: new Stripe("sk_test_unused"), webhookSecrets: [SECRET] },
      });
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    let eventCounter = 0;
    /** Delivers one event about `facts`, `secondsAgo` before now by Stripe's clock. */
    const deliver = async (type: string, object: unknown, secondsAgo: number, id = `evt_t${++eventCounter}`) => {
      const payload = eventPayload({ id, type, createdSeconds: Math.floor(nowMs / 1000) - secondsAgo, object });
      const response = await app.request("/stripe/webhook", {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": signPayload(payload, SECRET, nowMs / 1000) },
        body: payload,
      });
      const body = (await response.json()) as { outcome: string; duplicate: boolean };
      assert.equal(response.status, 200, JSON.stringify(body));
      return { ...body, id };
    };
    const subscriptionOf = async (accountId: string) => ledger.getSubscription({ accountId });
    const balanceOf = async (accountId: string) =>
      (await ledger.getBalances({ accountId }, { unit: "credits", fresh: true }))?.[0]?.balanceMinor ?? 0n;

    test("a subscription's life, in order, with redeliveries and an older event out of turn", async () => {
      const { accountId } = await ledger.ensureAccount({ type: "user", externalId: "carol" });
      const facts: SubscriptionFacts = {
        subscriptionId: "sub_life1",
        accountId,
        customerId: "cus_life1",
        planId: "pro",
        status: "active",
        cancelAtPeriodEnd: false,
      };
      const checkout = await deliver("checkout.session.completed", checkoutObject(facts, "cs_test_life1"), 100);
      assert.equal(checkout.outcome, "processed");
      assert.equal((await subscriptionOf(accountId))?.planId, "pro");
      assert.equal(await balanceOf(accountId), 1000n);
      const again = await deliver(
        "checkout.session.completed",
        checkoutObject(facts, "cs_test_life1"),
        100,
        checkout.id,
      );
      assert.equal(again.duplicate, true);
      await deliver("customer.subscription.created", subscriptionObject(facts), 99);
      await deliver("invoice.paid", invoiceObject(facts, "in_1"), 98);
      assert.equal(await balanceOf(accountId), 1000n, "the first invoice pays for the period already granted");

      const failed = await deliver("invoice.payment_failed", invoiceObject(facts, "in_2"), 50);
      assert.equal(failed.outcome, "processed");
      assert.equal((await subscriptionOf(accountId))?.status, "past_due");
      const pastDue = (await Webhooks.of(ledger).listEvents({ accountId, limit: 50 })).items.filter(
        (event) => event.type === "subscription.past_due",
      );
      assert.equal(pastDue.length, 1);
      assert.equal(pastDue[0]?.data.planId, "pro");
      // An update Stripe sent before the failure, delivered after it, says `active`: it is older.
      await deliver("customer.subscription.updated", subscriptionObject(facts), 60);
      assert.equal((await subscriptionOf(accountId))?.status, "past_due", "an older event does not overwrite");

      await deliver("invoice.paid", invoiceObject(facts, "in_2"), 40);
      assert.equal((await subscriptionOf(accountId))?.status, "active");
      assert.equal(await balanceOf(accountId), 1000n, "past due kept the credits; the period is not granted twice");

      await deliver("customer.subscription.updated", subscriptionObject({ ...facts, planId: "team" }), 30);
      assert.equal((await subscriptionOf(accountId))?.planId, "team");
      assert.equal(await balanceOf(accountId), 3000n, "an upgrade grants the difference for the period");
      await deliver("customer.subscription.updated", subscriptionObject({ ...facts, planId: "basic" }), 25);
      const downgraded = await subscriptionOf(accountId);
      assert.equal(downgraded?.planId, "team", "a downgrade waits for the period's end, as the plan says");
      assert.equal(downgraded?.pendingChange?.planId, "basic");

      await deliver(
        "customer.subscription.updated",
        subscriptionObject({ ...facts, planId: "basic", cancelAtPeriodEnd: true }),
        20,
      );
      assert.equal((await subscriptionOf(accountId))?.cancelAtPeriodEnd, true);
      await deliver("customer.subscription.updated", subscriptionObject({ ...facts, planId: "basic" }), 15);
      const resumed = await subscriptionOf(accountId);
      assert.equal(resumed?.cancelAtPeriodEnd, false, "taken back");
      assert.equal(resumed?.pendingChange?.planId, "basic", "and the downgrade still pending");

      const deleted = await deliver(
        "customer.subscription.deleted",
        subscriptionObject({ ...facts, planId: "basic", status: "canceled" }),
        10,
      );
      assert.equal(deleted.outcome, "processed");
      assert.equal((await subscriptionOf(accountId))?.status, "canceled");
      await deliver("invoice.paid", invoiceObject(facts, "in_3"), 5);
      assert.equal((await subscriptionOf(accountId))?.status, "canceled", "canceled is final");
      assert.equal(await balanceOf(accountId), 3000n, "nothing granted is taken back");

      const row = await new StripeSubscriptions(ledger.sql).get("sub_life1");
      assert.equal(row?.status, "canceled");
      assert.equal(row?.ledgerSubscriptionId, (await subscriptionOf(accountId))?.subscriptionId);
      assert.equal((await ledger.reconcile()).ok, true);
    });

    test("events before the subscription's first are kept and applied when it starts", async () => {
      const { accountId } = await ledger.ensureAccount({ type: "user", externalId: "dave" });
      const facts: SubscriptionFacts = {
        subscriptionId: "sub_early1",
        accountId,
        customerId: "cus_early1",
        planId: "pro",
        status: "active",
        cancelAtPeriodEnd: false,
      };
      const early = await deliver(
        "customer.subscription.updated",
        subscriptionObject({ ...facts, planId: "team" }),
        30,
      );
      assert.equal(early.outcome, "processed");
      await deliver("invoice.payment_failed", invoiceObject(facts, "in_e1"), 20);
      assert.equal(await subscriptionOf(accountId), null, "nothing to apply to yet");
      await deliver("customer.subscription.created", subscriptionObject(facts), 90);
      const started = await subscriptionOf(accountId);
      assert.equal(started?.planId, "team", "started on pro, then moved to team as the newer event says");
      assert.equal(started?.status, "past_due");
      assert.equal(await balanceOf(accountId), 3000n, "pro's allocation and the upgrade's difference");
      await deliver("checkout.session.completed", checkoutObject(facts, "cs_test_early1"), 95);
      assert.equal(await balanceOf(accountId), 3000n, "the checkout finds it started");
    });

    test("a period that starts while past due is granted when the invoice is paid, once", async () => {
      const { accountId } = await ledger.ensureAccount({ type: "user", externalId: "erin" });
      const facts: SubscriptionFacts = {
        subscriptionId: "sub_late1",
        accountId,
        customerId: "cus_late1",
        planId: "pro",
        status: "active",
        cancelAtPeriodEnd: false,
      };
      await deliver("customer.subscription.created", subscriptionObject(facts), 10);
      await deliver("invoice.payment_failed", invoiceObject(facts, "in_l1"), 5);
      const before = nowMs;
      nowMs = Date.parse("2026-04-03T12:00:00Z");
      try {
        await ledger.renewDue({ limit: 100 });
        assert.equal(await balanceOf(accountId), 0n, "March's credits expired; April is not granted while past due");
        await deliver("invoice.paid", invoiceObject(facts, "in_l1"), 0);
        const paid = await subscriptionOf(accountId);
        assert.equal(paid?.status, "active");
        assert.equal(paid?.periodStart.toISOString(), "2026-04-01T00:00:00.000Z");
        assert.equal(await balanceOf(accountId), 1000n, "April granted when paid");
        // Stripe sends a second invoice.paid for the same invoice (a new event id): nothing more.
        await deliver("invoice.paid", invoiceObject(facts, "in_l1"), 0);
        await ledger.renewDue({ limit: 100 });
        assert.equal(await balanceOf(accountId), 1000n, "April is granted once");
        assert.equal((await ledger.reconcile()).ok, true);
      } finally {
        nowMs = before;
      }
    });

    test("an event of a subscription that names no Tollgate account is ignored", async () => {
      const stranger = subscriptionObject({
        subscriptionId: "sub_stranger",
        accountId: "",
        customerId: "cus_unknown",
        planId: "pro",
        status: "active",
        cancelAtPeriodEnd: false,
      });
      const result = await deliver("customer.subscription.created", { ...stranger, metadata: {} }, 1);
      assert.equal(result.outcome, "ignored");
      assert.equal(await new StripeSubscriptions(ledger.sql).get("sub_stranger"), null, "nothing written");
    });
  });
}

for (const database of await testDatabases()) {
  describe(`a Stripe subscription taking over a default plan on ${database.name}`, () => {
    const nowMs = Date.parse("2026-03-10T12:00:00Z");
    const free = { ...soldPlan("free", 100n, 0n), price: null };
    const withFree: PlanCatalog = { ...catalog, plans: [...catalog.plans, free], defaultPlans: { user: "free" } };
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    before(async () => {
      ledger = await openTestLedger(database, {
        config: defineLedgerConfig({ signupGrants: { user: [], organization: [], guest: [] } }),
        clock: () => new Date(nowMs),
      });
      await ledger.syncPlanCatalog(withFree);
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    test("the account's free subscription moves to the paid plan, and the upgrade grants the difference", async () => {
      const app = createApp({
        ledger,
        meter,
        keys,
        catalog: withFree,
        stripe: { client: new Stripe("sk_test_unused"), webhookSecrets: [SECRET] },
      });
      const { accountId } = await ledger.ensureAccount({ type: "user", externalId: "frank" });
      assert.equal((await ledger.getSubscription({ accountId }))?.planId, "free");
      const facts: SubscriptionFacts = {
        subscriptionId: "sub_takeover1",
        accountId,
        customerId: "cus_takeover1",
        planId: "pro",
        status: "active",
        cancelAtPeriodEnd: false,
      };
      const payload = eventPayload({
        id: "evt_takeover1",
        type: "customer.subscription.created",
        createdSeconds: nowMs / 1000 - 5,
        object: subscriptionObject(facts),
      });
      const response = await app.request("/stripe/webhook", {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": signPayload(payload, SECRET, nowMs / 1000) },
        body: payload,
      });
      const body = (await response.json()) as { outcome: string };
      assert.equal(response.status, 200);
      assert.equal(body.outcome, "processed");
      const subscription = await ledger.getSubscription({ accountId });
      assert.equal(subscription?.planId, "pro");
      const row = await new StripeSubscriptions(ledger.sql).get("sub_takeover1");
      assert.equal(row?.ledgerSubscriptionId, subscription?.subscriptionId, "the free subscription is the one linked");
      const balance = (await ledger.getBalances({ accountId }, { unit: "credits", fresh: true }))?.[0];
      assert.equal(balance?.balanceMinor, 1000n, "100 from free, 900 more for pro's period");
    });
  });
}
