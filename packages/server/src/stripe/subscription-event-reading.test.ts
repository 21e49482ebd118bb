import assert from "node:assert/strict";
import { test } from "node:test";
import type { PlanCatalog } from "@tollgate/core";
import { testPlan } from "@tollgate/core/testing";
import type Stripe from "stripe";
import { ledgerStatusOf, planOfPrice, readSubscriptionEvent } from "./subscription-event-reading.ts";

const catalog: PlanCatalog = {
  plans: [testPlan({ id: "pro" }), testPlan({ id: "team" }), testPlan({ id: "legacy", stripePriceId: "price_old" })],
  packs: [],
  defaultPlans: {},
};
const event = (type: string, object: unknown) =>
  ({ id: "evt_1", object: "event", type, created: 1, livemode: false, data: { object } }) as unknown as Stripe.Event;
const price = (fields: Partial<Stripe.Price>) =>
  ({ id: "price_x", metadata: {}, lookup_key: null, ...fields }) as Stripe.Price;

test("Stripe's statuses as the ledger's: one row per status", () => {
  const rows: Array<[Stripe.Subscription.Status, string | null]> = [
    ["active", "active"],
    ["trialing", "active"],
    ["past_due", "past_due"],
    ["unpaid", "past_due"],
    ["canceled", "canceled"],
    ["incomplete_expired", "canceled"],
    ["incomplete", null],
    ["paused", null],
  ];
  for (const [status, expected] of rows) assert.equal(ledgerStatusOf(status), expected, status);
});

test("a Price's plan: by lookup key, by metadata, by the configuration's stripePriceId, else none", () => {
  assert.equal(planOfPrice(price({ lookup_key: "tollgate_plan_team" }), catalog), "team");
  assert.equal(planOfPrice(price({ metadata: { tollgate_item: "plan:pro" } }), catalog), "pro");
  assert.equal(planOfPrice(price({ id: "price_old" }), catalog), "legacy");
  assert.equal(planOfPrice(price({ lookup_key: "tollgate_plan_gone" }), catalog), null);
  assert.equal(planOfPrice(null, catalog), null);
});

test("events read as what they say of a subscription", () => {
  const subscription = {
    id: "sub_1",
    customer: "cus_1",
    status: "unpaid",
    cancel_at_period_end: true,
    metadata: { tollgate_account_id: "acct_1" },
    items: { data: [{ price: price({ lookup_key: "tollgate_plan_pro" }) }] },
  };
  assert.deepEqual(readSubscriptionEvent(event("customer.subscription.created", subscription), catalog), {
    stripeSubscriptionId: "sub_1",
    accountId: "acct_1",
    customerId: "cus_1",
    initialPlanId: "pro",
    snapshot: { planId: "pro", cancelAtPeriodEnd: true },
    status: "past_due",
  });
  const updated = readSubscriptionEvent(event("customer.subscription.updated", subscription), catalog);
  assert.equal("initialPlanId" in updated && updated.initialPlanId, null, "only the creation says where it started");
  const deleted = readSubscriptionEvent(event("customer.subscription.deleted", subscription), catalog);
  assert.equal("status" in deleted && deleted.status, "canceled");
  // An invoice from an API version before 2025 names its subscription itself.
  const legacy = readSubscriptionEvent(
    event("invoice.payment_failed", { id: "in_1", customer: "cus_1", subscription: "sub_1" }),
    catalog,
  );
  assert.deepEqual(legacy, {
    stripeSubscriptionId: "sub_1",
    accountId: null,
    customerId: "cus_1",
    initialPlanId: null,
    snapshot: null,
    status: "past_due",
  });
  assert.ok(
    "notSubscription" in readSubscriptionEvent(event("invoice.paid", { id: "in_2", customer: "cus_1" }), catalog),
  );
  const pack = readSubscriptionEvent(event("checkout.session.completed", { id: "cs_1", mode: "payment" }), catalog);
  assert.ok("notSubscription" in pack);
});
