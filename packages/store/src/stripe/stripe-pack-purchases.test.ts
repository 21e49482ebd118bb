import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openTestLedger, testDatabases } from "../testing/test-databases.ts";
import { StripePackPurchases } from "./stripe-pack-purchases.ts";

for (const database of await testDatabases()) {
  describe(`Stripe pack purchases and refund steps on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    before(async () => {
      ledger = await openTestLedger(database);
    });
    after(() => ledger.dispose());
    const now = () => ledger.now();

    async function purchase(name: string) {
      const grant = await ledger.grant({
        account: { type: "user", externalId: `buyer-${name}` },
        amountMinor: 1000n,
        source: "pack",
        idempotencyKey: `stripe_checkout_cs_${name}`,
      });
      assert.ok(grant.ok);
      const purchases = new StripePackPurchases(ledger.sql);
      const input = {
        paymentIntentId: `pi_${name}`,
        checkoutSessionId: `cs_${name}`,
        accountId: grant.value.accountId,
        packId: "starter",
        unit: "credits",
        grantTransactionId: grant.value.transactionId,
        grantedMinor: 1000n,
        now: now(),
      };
      await purchases.record(input);
      await purchases.record(input); // a redelivered checkout event
      return { purchases, grant: grant.value };
    }

    test("a purchase is kept once and found by its payment intent", async () => {
      const { purchases, grant } = await purchase("kept");
      const found = await purchases.find("pi_kept");
      assert.equal(found?.grantTransactionId, grant.transactionId);
      assert.deepEqual([found?.grantedMinor, found?.refundedMinor], [1000n, 0n]);
      assert.equal(await purchases.find("pi_unknown"), null);
    });

    test("each refunded total is one step, counted once, whatever the order of the events", async () => {
      const { purchases } = await purchase("steps");
      const claim = (refundedTotalMinor: bigint) =>
        purchases.claimRefundStep({
          chargeId: "ch_steps",
          paymentIntentId: "pi_steps",
          chargeAmountMinor: 500n,
          refundedTotalMinor,
          now: now(),
        });
      const first = await claim(100n);
      assert.deepEqual([first?.refundedBeforeMinor, first?.refundedAfterMinor], [0n, 100n]);
      assert.deepEqual(await claim(100n), first, "a redelivery finds its step");
      // The event for the third refund (total 400) comes before the second's (total 250).
      const third = await claim(400n);
      assert.deepEqual([third?.refundedBeforeMinor, third?.refundedAfterMinor], [100n, 400n]);
      assert.equal(await claim(250n), null, "covered by the later total");
      assert.equal((await purchases.find("pi_steps"))?.refundedMinor, 400n);
    });

    test("two events for different totals at once make one step each or none, never overlapping", async () => {
      const { purchases } = await purchase("race");
      const claim = (refundedTotalMinor: bigint) =>
        purchases.claimRefundStep({
          chargeId: "ch_race",
          paymentIntentId: "pi_race",
          chargeAmountMinor: 500n,
          refundedTotalMinor,
          now: now(),
        });
      const steps = (await Promise.all([claim(200n), claim(500n), claim(300n)])).filter((step) => step !== null);
      steps.sort((a, b) => Number(a.refundedAfterMinor - b.refundedAfterMinor));
      let covered = 0n;
      for (const step of steps) {
        assert.equal(step.refundedBeforeMinor, covered, "steps are contiguous");
        covered = step.refundedAfterMinor;
      }
      assert.equal(covered, 500n);
    });

    test("claw-backs debit the lot to system:issuance and reconcile stays green", async () => {
      const { grant } = await purchase("clawback");
      const spent = await ledger.charge({
        account: { accountId: grant.accountId },
        amountMinor: 700n,
        idempotencyKey: "spend",
      });
      assert.ok(spent.ok);
      const first = await ledger.clawBack({
        transactionId: grant.transactionId,
        amountMinor: 200n,
        reason: "refund",
        idempotencyKey: "stripe_refund_ch_x_100",
      });
      assert.ok(first.ok);
      assert.deepEqual(
        [first.value.clawedBackMinor, first.value.shortfallMinor, first.value.balanceMinor],
        [200n, 0n, 100n],
      );
      const replay = await ledger.clawBack({
        transactionId: grant.transactionId,
        amountMinor: 200n,
        reason: "refund",
        idempotencyKey: "stripe_refund_ch_x_100",
      });
      assert.ok(replay.ok && replay.replayed);
      assert.equal(replay.value.transactionId, first.value.transactionId);
      const rest = await ledger.clawBack({
        transactionId: grant.transactionId,
        amountMinor: 800n,
        reason: "refund",
        idempotencyKey: "stripe_refund_ch_x_500",
      });
      assert.ok(rest.ok);
      assert.deepEqual(
        [rest.value.clawedBackMinor, rest.value.shortfallMinor, rest.value.balanceMinor],
        [100n, 700n, 0n],
      );
      const nothing = await ledger.clawBack({
        transactionId: grant.transactionId,
        amountMinor: 5n,
        reason: "refund",
        idempotencyKey: "stripe_refund_ch_x_505",
      });
      assert.ok(nothing.ok);
      assert.deepEqual([nothing.value.clawedBackMinor, nothing.value.transactionId], [0n, null]);
      const report = await ledger.reconcile();
      assert.deepEqual(
        report.checks.flatMap((check) => check.mismatches),
        [],
      );
      assert.equal(report.ok, true);
    });
  });
}
