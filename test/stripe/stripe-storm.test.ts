// The Stripe storm: 200 subscription events for 20 customers (each customer's life: checkout,
// creation, invoices paid and failed, a plan change, cancellation at period end set and taken
// back, deletion), each event delivered three times in a seeded random order, 50 deliveries at
// once, signed, through the app, alternating between two apps over one database (two
// instances: no lock in common). Balances, subscriptions and the Stripe subscription rows must
// equal those of delivering every event once, in order.
//
// TOLLGATE_STORM_SCALE=n multiplies the customers (and events) by n; TOLLGATE_STORM_SEED=s
// replays a run (every run prints its seed).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { defineLedgerConfig, type PlanCatalog } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { createApp } from "@tollgate/server";
import { ApiKeys, StripeSubscriptions } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import Stripe from "stripe";
import { seededRandom } from "../../packages/core/src/testing/seeded-random.ts";
import {
  checkoutObject,
  eventPayload,
  invoiceObject,
  type SubscriptionFacts,
  signPayload,
  soldPlan,
  subscriptionObject,
} from "./subscription-event-fixtures.ts";

const SCALE = Math.max(1, Number.parseInt(process.env.TOLLGATE_STORM_SCALE ?? "1", 10) || 1);
const SEED = Number.parseInt(process.env.TOLLGATE_STORM_SEED ?? "", 10) || Math.floor(Math.random() * 2 ** 31);
const CUSTOMERS = 20 * SCALE;
const EVENTS_PER_CUSTOMER = 10;
const DELIVERIES_PER_EVENT = 3;
const IN_FLIGHT_MAX = 50;
/** Stripe retries a delivery that was not answered 2xx; so does the storm, this many times at most. */
const RETRIES_MAX = 5;
const SECRET = "whsec_storm";
const NOW_MS = Date.parse("2026-05-12T08:00:00Z");
const PLAN_IDS = ["basic", "pro", "team"] as const;
const catalog: PlanCatalog = {
  plans: [soldPlan("basic", 100n, 500n), soldPlan("pro", 1000n, 900n), soldPlan("team", 3000n, 2500n)],
  packs: [],
  defaultPlans: {},
};

/** One event of a customer's life, before it names an account (each database's ids differ). */
interface StormEvent {
  id: string;
  customer: number;
  type: string;
  createdSeconds: number;
  facts: Omit<SubscriptionFacts, "accountId">;
  object: "checkout" | "subscription" | "invoice";
}

/** A customer's ten events in the order Stripe sent them, with distinct `created` seconds. */
function customerLife(customer: number, random: () => number): StormEvent[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const state = {
    subscriptionId: `sub_storm${customer}`,
    customerId: `cus_storm${customer}`,
    planId: pick(PLAN_IDS) as string,
    status: "active" as Stripe.Subscription.Status,
    cancelAtPeriodEnd: false,
  };
  let created = Math.floor(NOW_MS / 1000) - 10_000 + Math.floor(random() * 1000);
  const events: StormEvent[] = [];
  const push = (type: string, object: StormEvent["object"]) =>
    events.push({
      id: `evt_storm${customer}x${events.length}`,
      customer,
      type,
      createdSeconds: created++,
      facts: { ...state },
      object,
    });
  push("checkout.session.completed", "checkout");
  push("customer.subscription.created", "subscription");
  push("invoice.paid", "invoice");
  let planChanged = false;
  while (events.length < EVENTS_PER_CUSTOMER - 1) {
    const step = pick(["fail", "pay", "plan", "cancel_flag", "update"] as const);
    if (step === "fail") {
      state.status = "past_due";
      push("invoice.payment_failed", "invoice");
    } else if (step === "pay") {
      state.status = "active";
      push("invoice.paid", "invoice");
    } else if (step === "plan" && !planChanged) {
      // One plan change per subscription: see docs/operating/stripe.md on two changes out of order.
      planChanged = true;
      state.planId = pick(PLAN_IDS.filter((id) => id !== state.planId));
      push("customer.subscription.updated", "subscription");
    } else if (step === "cancel_flag") {
      state.cancelAtPeriodEnd = !state.cancelAtPeriodEnd;
      push("customer.subscription.updated", "subscription");
    } else {
      push("customer.subscription.updated", "subscription");
    }
  }
  if (random() < 0.5) {
    state.status = "canceled";
    push("customer.subscription.deleted", "subscription");
  } else {
    push("customer.subscription.updated", "subscription");
  }
  return events;
}

interface Deployment {
  ledger: Awaited<ReturnType<typeof openTestLedger>>;
  apps: ReturnType<typeof createApp>[];
  accountIds: string[];
  close: () => Promise<void>;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}

for (const database of await testDatabases()) {
  describe(`the Stripe storm on ${database.name}`, () => {
    const deployments: Deployment[] = [];
    const deployment = async (): Promise<Deployment> => {
      const ledger = await openTestLedger(database, {
        config: defineLedgerConfig({ signupGrants: { user: [], organization: [], guest: [] } }),
        clock: () => new Date(NOW_MS),
      });
      const meter = await Meter.open({ ledger });
      const keys = await ApiKeys.open(ledger.sql);
      // Two apps over one ledger: two instances, each with its own in-process locks.
      const apps = [0, 1].map(() =>
        createApp({
          ledger,
          meter,
          keys,
          catalog,
          stripe: { client: new Stripe("sk_test_unused"), webhookSecrets: [SECRET] },
        }),
      );
      const accountIds: string[] = [];
      for (let customer = 0; customer < CUSTOMERS; customer++) {
        accountIds.push((await ledger.ensureAccount({ type: "user", externalId: `storm-${customer}` })).accountId);
      }
      const close = async () => {
        await keys.close();
        await meter.close();
        await ledger.dispose();
      };
      const result = { ledger, apps, accountIds, close };
      deployments.push(result);
      return result;
    };
    after(async () => {
      for (const each of deployments) await each.close();
    });

    const deliver = async (target: Deployment, event: StormEvent, appIndex: number) => {
      const facts = { ...event.facts, accountId: target.accountIds[event.customer] ?? "" };
      const object =
        event.object === "checkout"
          ? checkoutObject(facts, `cs_test_storm${event.customer}`)
          : event.object === "invoice"
            ? invoiceObject(facts, `in_${event.id.slice(4)}`)
            : subscriptionObject(facts);
      const payload = eventPayload({ id: event.id, type: event.type, createdSeconds: event.createdSeconds, object });
      const response = await target.apps[appIndex % 2]?.request("/stripe/webhook", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "stripe-signature": signPayload(payload, SECRET, NOW_MS / 1000),
        },
        body: payload,
      });
      assert.ok(response);
      await response.arrayBuffer();
      return response.status;
    };

    /** What must come out the same: per customer, the balance, the ledger subscription and the Stripe row. */
    const outcome = async (target: Deployment) => {
      const rows = new StripeSubscriptions(target.ledger.sql);
      const customers = [];
      for (let customer = 0; customer < CUSTOMERS; customer++) {
        const account = { accountId: target.accountIds[customer] ?? "" };
        const balance = (await target.ledger.getBalances(account, { unit: "credits", fresh: true }))?.[0];
        const subscription = await target.ledger.getSubscription(account);
        const row = await rows.get(`sub_storm${customer}`);
        customers.push({
          customer,
          balanceMinor: balance?.balanceMinor ?? 0n,
          subscription: subscription && {
            planId: subscription.planId,
            status: subscription.status,
            cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
            pendingPlanId: subscription.pendingChange?.planId ?? null,
            periodStart: subscription.periodStart.toISOString(),
            periodEnd: subscription.periodEnd.toISOString(),
          },
          row: row && { planId: row.planId, status: row.status, cancelAtPeriodEnd: row.cancelAtPeriodEnd },
        });
      }
      return customers;
    };

    test(`${CUSTOMERS * EVENTS_PER_CUSTOMER} events, ${DELIVERIES_PER_EVENT} deliveries each, in any order, end as one in-order delivery`, async () => {
      console.log(
        `stripe storm on ${database.name}: seed ${SEED}, scale ${SCALE} (TOLLGATE_STORM_SEED=${SEED} replays it)`,
      );
      const random = seededRandom(SEED);
      const lives = Array.from({ length: CUSTOMERS }, (_, customer) => customerLife(customer, random));
      const inOrder = lives.flat().sort((a, b) => a.createdSeconds - b.createdSeconds || (a.id < b.id ? -1 : 1));

      const reference = await deployment();
      for (const event of inOrder) assert.equal(await deliver(reference, event, 0), 200, event.id);

      const storm = await deployment();
      const queue = shuffle(
        inOrder.flatMap((event) => Array.from({ length: DELIVERIES_PER_EVENT }, () => ({ event, attempts: 0 }))),
        random,
      );
      let delivered = 0;
      let retried = 0;
      let inFlight = 0;
      let inFlightMax = 0;
      const worker = async (index: number) => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          inFlight++;
          inFlightMax = Math.max(inFlightMax, inFlight);
          const status = await deliver(storm, next.event, index + next.attempts);
          inFlight--;
          delivered++;
          if (status !== 200) {
            retried++;
            assert.ok(next.attempts < RETRIES_MAX, `${next.event.id} answered ${status} ${RETRIES_MAX} times`);
            queue.push({ event: next.event, attempts: next.attempts + 1 });
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT_MAX }, (_, index) => worker(index)));
      console.log(
        `stripe storm on ${database.name}: ${delivered} deliveries, ${retried} retried, ${inFlightMax} at once`,
      );
      assert.equal(delivered, inOrder.length * DELIVERIES_PER_EVENT + retried);
      assert.ok(inFlightMax > 1, "deliveries overlapped");

      const expected = await outcome(reference);
      const actual = await outcome(storm);
      for (const [index, want] of expected.entries()) {
        assert.deepEqual(actual[index], want, `customer ${index} (seed ${SEED})`);
      }
      assert.ok(
        expected.some((each) => each.subscription?.status === "canceled") &&
          expected.some((each) => each.subscription?.status !== "canceled"),
        "the lives cover both endings",
      );
      for (const target of [reference, storm]) {
        const unfinished = await target.ledger.sql.query<{ event_id: string; outcome: string; detail: string | null }>(
          "select event_id, outcome, detail from stripe_events where outcome not in ('processed', 'ignored') order by event_id",
        );
        assert.deepEqual(unfinished, [], "every event is processed or ignored in the end");
      }
      assert.equal((await reference.ledger.reconcile()).ok, true);
      assert.equal((await storm.ledger.reconcile()).ok, true);
    });
  });
}
