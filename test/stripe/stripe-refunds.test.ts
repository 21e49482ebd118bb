// Refunds of pack purchases through the signed webhook, on both databases: a partial refund takes
// back its share of the lot (rounded up), a full one the rest of what is unspent, each refund once
// whatever the number, order or concurrency of its events, and the shortfall (what was spent) is
// said in the event log. Reconcile stays green throughout.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig, type PlanCatalog } from "@tollgate/core";
import { testPack } from "@tollgate/core/testing";
import { Meter } from "@tollgate/metering";
import { createApp } from "@tollgate/server";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import Stripe from "stripe";

const SECRET = "whsec_refund_secret_for_tests";
// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field, each read asserted
type Json = any;

const starter = testPack();
const catalog: PlanCatalog = { plans: [], packs: [starter], defaultPlans: {} };

for (const database of await testDatabases()) {
  describe(`Stripe refunds on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let admin = "";
    const nowMs = Date.parse("2026-03-01T12:00:00Z");
    let sequence = 0;

    before(async () => {
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
    });

    const app = () => createApp({ ledger, meter, keys, catalog, stripe: { client: null, webhookSecrets: [SECRET] } });
    const deliverEvent = async (type: string, object: Record<string, unknown>, eventId = `evt_r${++sequence}`) => {
      const payload = JSON.stringify({
        id: eventId,
        object: "event",
        type,
        created: Math.floor(nowMs / 1000),
        livemode: false,
        data: { object },
      });
      const signature = Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: SECRET,
        timestamp: Math.floor(nowMs / 1000),
      });
      const response = await app().request("/stripe/webhook", {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": signature },
        body: payload,
      });
      return { status: response.status, body: (await response.json()) as Json, eventId };
    };
    const detailOf = async (eventId: string): Promise<string> => {
      const response = await app().request("/v1/stripe/events?type=charge.refunded&limit=500", {
        headers: { authorization: `Bearer ${admin}` },
      });
      const body = (await response.json()) as Json;
      return body.data.find((event: { id: string }) => event.id === eventId)?.detail ?? "";
    };

    /** A user who bought the starter pack (1125 credits for 500 cents) and spent `spentMinor` of it. */
    async function buyer(name: string, spentMinor: bigint) {
      const granted = await ledger.grant({
        account: { type: "user", externalId: name },
        amountMinor: 1n,
        source: "promo",
        idempotencyKey: `open-${name}`,
      });
      assert.ok(granted.ok);
      const { accountId } = granted.value;
      const paid = await deliverEvent("checkout.session.completed", {
        id: `cs_test_${name}`,
        object: "checkout.session",
        mode: "payment",
        payment_status: "paid",
        payment_intent: `pi_${name}`,
        created: Math.floor(nowMs / 1000),
        client_reference_id: accountId,
        metadata: { tollgate_account_id: accountId, tollgate_pack: "starter" },
      });
      assert.equal(paid.body.outcome, "processed", JSON.stringify(paid.body));
      // The promo credit goes first (the pack's priority is lower), so this spends the pack.
      const spent = await ledger.charge({
        account: { accountId },
        amountMinor: spentMinor + 1n,
        idempotencyKey: `spend-${name}`,
      });
      assert.ok(spent.ok);
      return accountId;
    }
    const charge = (name: string, refundedMinor: number) => ({
      id: `ch_${name}`,
      object: "charge",
      amount: 500,
      amount_refunded: refundedMinor,
      currency: "usd",
      payment_intent: `pi_${name}`,
      refunded: refundedMinor === 500,
    });
    const balanceOf = async (accountId: string) => {
      const [row] = await ledger.sql.query<{ balance_minor: bigint }>(
        "select balance_minor from balances where account_id = $1 and unit = 'credits'",
        [accountId],
      );
      return BigInt(row?.balance_minor ?? 0n);
    };
    const clawedBack = async (accountId: string) => {
      const [row] = await ledger.sql.query<{ total: bigint | null }>(
        "select sum(amount_minor) as total from transactions where account_id = $1 and kind = 'clawback'",
        [accountId],
      );
      return BigInt(row?.total ?? 0n);
    };
    const assertReconciled = async () => {
      const report = await ledger.reconcile();
      assert.deepEqual(
        report.checks.flatMap((check) => check.mismatches),
        [],
      );
    };

    test("a partial refund takes its share, a full one the rest of what is unspent, and says what was spent", async () => {
      const accountId = await buyer("partial", 600n);
      assert.equal(await balanceOf(accountId), 525n);
      const first = await deliverEvent("charge.refunded", charge("partial", 100));
      assert.equal(first.body.outcome, "processed", JSON.stringify(first.body));
      // 1125 × 100 / 500 = 225 exactly.
      assert.equal(await balanceOf(accountId), 300n);
      assert.match(await detailOf(first.eventId), /clawed back 225 of 225 credits .*; 0 could not be/);
      const full = await deliverEvent("charge.refunded", charge("partial", 500));
      assert.equal(full.body.outcome, "processed");
      assert.equal(await balanceOf(accountId), 0n);
      assert.match(await detailOf(full.eventId), /clawed back 300 of 900 credits .*; 600 could not be/);
      assert.equal(await clawedBack(accountId), 525n);
      await assertReconciled();
    });

    test("a redelivery, and events in the wrong order, take each refund once", async () => {
      const accountId = await buyer("order", 0n);
      const later = await deliverEvent("charge.refunded", charge("order", 300));
      const again = await deliverEvent("charge.refunded", charge("order", 300), later.eventId);
      assert.equal(again.body.duplicate, true);
      const earlier = await deliverEvent("charge.refunded", charge("order", 101));
      assert.equal(earlier.body.outcome, "processed");
      assert.match(await detailOf(earlier.eventId), /counted already/);
      // 1125 × 300 / 500 = 675.
      assert.equal(await clawedBack(accountId), 675n);
      const last = await deliverEvent("charge.refunded", charge("order", 333));
      // ⌈1125 × 333 / 500⌉ − 675 = 750 − 675 (749.25 rounds up).
      assert.match(await detailOf(last.eventId), /clawed back 75 of 75 credits/);
      assert.equal(await balanceOf(accountId), 1125n - 750n + 0n);
      await assertReconciled();
    });

    test("events for several refunds at once add up to the share of the total, never more", async () => {
      const accountId = await buyer("race", 0n);
      const answers = await Promise.all(
        [100, 250, 400, 500].map((refunded) => deliverEvent("charge.refunded", charge("race", refunded))),
      );
      for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(await clawedBack(accountId), 1125n);
      assert.equal(await balanceOf(accountId), 0n);
      await assertReconciled();
    });

    test("a crash after the claw-back, before the log row, takes nothing twice", async () => {
      const accountId = await buyer("crash", 0n);
      await ledger.sql.query(
        "insert into stripe_events (event_id, type, created, livemode, received_at, deliveries, outcome, updated_at) values ('evt_refund_crashed', 'charge.refunded', now(), false, now(), 1, 'received', now())",
      );
      const first = await deliverEvent("charge.refunded", charge("crash", 200), "evt_refund_crashed");
      assert.equal(first.body.outcome, "processed");
      // The log row back to `received`, as if the process had died before finishing it.
      await ledger.sql.query("update stripe_events set outcome = 'received' where event_id = 'evt_refund_crashed'");
      const rerun = await deliverEvent("charge.refunded", charge("crash", 200), "evt_refund_crashed");
      assert.equal(rerun.body.outcome, "processed");
      assert.equal(rerun.body.duplicate, false);
      assert.equal(await clawedBack(accountId), 450n);
      await assertReconciled();
    });

    test("a charge for anything but a Tollgate pack purchase is ignored", async () => {
      const unknown = await deliverEvent("charge.refunded", charge("someone-else", 500));
      assert.equal(unknown.body.outcome, "ignored");
      assert.match(await detailOf(unknown.eventId), /no pack purchase is recorded for pi_someone-else/);
      const noIntent = await deliverEvent("charge.refunded", { ...charge("x", 500), payment_intent: null });
      assert.equal(noIntent.body.outcome, "ignored");
    });
  });
}
