import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AccountState, BatchContext } from "./account-state.ts";
import { defineLedgerConfig } from "./ledger-config.ts";
import { AMOUNT_MINOR_MAX, BALANCE_MINOR_MAX } from "./money.ts";
import type { Operation } from "./operations.ts";
import { FAILURE_CODES, type FailureCode, type FailureDetails } from "./result-codes.ts";
import { assertAccountConsistent, assertBalancedEntries, snapshot } from "./testing/invariants.ts";
import {
  addTestAccount,
  addTestMember,
  advance,
  createTestBatch,
  expectFailure,
  expectOk,
  run,
  sweep,
} from "./testing/test-batch.ts";
import { allocation, testPlan } from "./testing/test-plans.ts";

/**
 * One row per failure code, and rows where two codes apply and the earlier one in
 * FAILURE_CODES must win. Every failure must leave the state and the writes untouched.
 * `idempotency_conflict` is decided by replayOrConflict (its table test is replay-or-conflict.test.ts);
 * test/ledger-model.test.ts covers it through the store.
 */

const config = defineLedgerConfig({
  units: [
    { unit: "credits", scale: 0 },
    { unit: "usd", scale: 2 },
  ],
});

interface World {
  batch: BatchContext;
  /** A user with 100 credits from a promo grant. */
  user: AccountState;
  guest: AccountState;
  /** An organization with 200 credits; `member-1` may spend 50 of them, `member-2` all. */
  org: AccountState;
  member: AccountState;
  outsider: AccountState;
  promoGrantId: string;
}

let keyCounter = 0;
const key = () => `key-${++keyCounter}`;
const ref = (state: AccountState) => ({ accountId: state.account.accountId });

function world(): World {
  const batch = createTestBatch({ config });
  const user = addTestAccount(batch, { type: "user" });
  const guest = addTestAccount(batch, { type: "guest" });
  const org = addTestAccount(batch, { type: "organization" });
  const member = addTestAccount(batch, { type: "user", externalId: "member-1" });
  const outsider = addTestAccount(batch, { type: "user", externalId: "outsider" });
  addTestMember(org, member, { unit: "credits", capMinor: 50n });
  addTestMember(org, addTestAccount(batch, { type: "user", externalId: "member-2" }));
  const promo = expectOk(
    run(batch, { kind: "grant", account: ref(user), amountMinor: 100n, source: "promo", idempotencyKey: key() }),
  );
  expectOk(run(batch, { kind: "grant", account: ref(org), amountMinor: 200n, source: "plan", idempotencyKey: key() }));
  return { batch, user, guest, org, member, outsider, promoGrantId: promo.transactionId };
}

/** Runs `op`, which must succeed, and returns its transaction id (or hold id). */
function done(w: World, op: Operation): string {
  const value = expectOk(run(w.batch, op));
  if ("transactionId" in value && typeof value.transactionId === "string" && value.transactionId) {
    return value.transactionId;
  }
  if ("holdId" in value) return value.holdId;
  throw new Error("no id in the outcome");
}

const charge = (w: World, amountMinor: bigint) =>
  done(w, { kind: "charge", account: ref(w.user), amountMinor, idempotencyKey: key() });
const authorize = (w: World, amountMinor: bigint, ttlMs?: number) =>
  done(w, { kind: "authorize", account: ref(w.user), amountMinor, ttlMs, idempotencyKey: key() });

const basic = testPlan();
const pro = testPlan({ id: "pro", allocations: [allocation({ amountMinor: 500n })] });
/** A plan that blocks every feature and the `o1` models; `pro` and `basic` allow everything. */
const starter = testPlan({
  id: "starter",
  models: { allow: ["openai/*"], deny: ["openai/o1*"] },
  features: { allow: [], deny: [] },
});
/** Subscribes `state` to `starter`, whose refusals name the catalog's plans that would allow. */
const subscribeStarter = (w: World, state: AccountState) => {
  w.batch.catalog = { plans: [basic, starter, pro], packs: [], defaultPlans: {} };
  expectOk(
    run(w.batch, { kind: "subscribe", account: ref(state), plan: starter, planVersion: 1, idempotencyKey: key() }),
  );
};
/** Subscribes the world's user to `basic` (version 1). */
const subscribeUser = (w: World) =>
  expectOk(
    run(w.batch, { kind: "subscribe", account: ref(w.user), plan: basic, planVersion: 1, idempotencyKey: key() }),
  );

interface Row {
  code: FailureCode;
  name: string;
  arrange: (w: World) => Operation;
  details?: FailureDetails;
}

const rows: Row[] = [
  {
    code: "unit_not_found",
    name: "a subscription to a plan allocating a unit the deployment does not have",
    arrange: (w) => ({
      kind: "subscribe",
      account: ref(w.user),
      plan: testPlan({ allocations: [allocation({ unit: "gold" })] }),
      planVersion: 1,
      idempotencyKey: key(),
    }),
  },
  {
    code: "invalid_amount",
    name: "a plan change to a plan with a negative allocation",
    arrange: (w) => {
      subscribeUser(w);
      const bad = testPlan({ id: "bad", allocations: [allocation({ amountMinor: -1n })] });
      return { kind: "change_plan", account: ref(w.user), plan: bad, planVersion: 1, idempotencyKey: key() };
    },
  },
  {
    code: "invalid_plan",
    name: "a subscription naming version 0 of a plan",
    arrange: (w) => ({ kind: "subscribe", account: ref(w.user), plan: basic, planVersion: 0, idempotencyKey: key() }),
  },
  {
    code: "invalid_plan",
    name: "a subscription to a plan whose periods fall in a time zone that does not exist",
    arrange: (w) => ({
      kind: "subscribe",
      account: ref(w.user),
      plan: testPlan({ period: { every: "day", anchor: "calendar", timeZone: "Mars/Olympus_Mons" } }),
      planVersion: 1,
      idempotencyKey: key(),
    }),
  },
  {
    code: "invalid_anchor",
    name: "a subscription anchored in the future",
    arrange: (w) => ({
      kind: "subscribe",
      account: ref(w.user),
      plan: basic,
      planVersion: 1,
      anchorAt: new Date(w.batch.now.getTime() + 1),
      idempotencyKey: key(),
    }),
  },
  {
    code: "guest_cannot_purchase",
    name: "a guest subscribing to a plan that is sold",
    arrange: (w) => ({
      kind: "subscribe",
      account: ref(w.guest),
      plan: testPlan({ price: { amountMinor: 900n, currency: "usd" } }),
      planVersion: 1,
      idempotencyKey: key(),
    }),
  },
  {
    code: "subscription_not_found",
    name: "a plan change on an account that never subscribed",
    arrange: (w) => ({ kind: "change_plan", account: ref(w.user), plan: pro, planVersion: 1, idempotencyKey: key() }),
  },
  {
    code: "subscription_not_found",
    name: "cancelling a subscription already canceled",
    arrange: (w) => {
      const flex = testPlan({ id: "flex", cancel: "now" });
      expectOk(
        run(w.batch, { kind: "subscribe", account: ref(w.user), plan: flex, planVersion: 1, idempotencyKey: key() }),
      );
      expectOk(run(w.batch, { kind: "cancel_subscription", account: ref(w.user), idempotencyKey: key() }));
      return { kind: "cancel_subscription", account: ref(w.user), idempotencyKey: key() };
    },
  },
  {
    code: "subscription_not_found",
    name: "renewing an account that never subscribed",
    arrange: (w) => ({ kind: "renew", account: ref(w.user), idempotencyKey: key() }),
  },
  {
    code: "already_subscribed",
    name: "subscribing an account that is subscribed",
    arrange: (w) => {
      subscribeUser(w);
      return { kind: "subscribe", account: ref(w.user), plan: pro, planVersion: 1, idempotencyKey: key() };
    },
  },
  {
    code: "plan_unchanged",
    name: "a change to the plan and version the subscription is on",
    arrange: (w) => {
      subscribeUser(w);
      return { kind: "change_plan", account: ref(w.user), plan: basic, planVersion: 1, idempotencyKey: key() };
    },
  },
  {
    code: "invalid_status_transition",
    name: "billing reporting a canceled subscription paid again",
    arrange: (w) => {
      subscribeUser(w);
      expectOk(
        run(w.batch, {
          kind: "set_subscription_status",
          account: ref(w.user),
          status: "canceled",
          idempotencyKey: key(),
        }),
      );
      return { kind: "set_subscription_status", account: ref(w.user), status: "active", idempotencyKey: key() };
    },
  },
  {
    code: "account_not_found",
    name: "a grant to an account that does not exist",
    arrange: () => ({
      kind: "grant",
      account: { accountId: "acct_missing" },
      amountMinor: 1n,
      source: "promo",
      idempotencyKey: key(),
    }),
  },
  {
    code: "unit_not_found",
    name: "a charge in a unit the deployment does not have",
    arrange: (w) => ({ kind: "charge", account: ref(w.user), unit: "gold", amountMinor: 1n, idempotencyKey: key() }),
  },
  {
    code: "invalid_amount",
    name: "a grant of zero",
    arrange: (w) => ({ kind: "grant", account: ref(w.user), amountMinor: 0n, source: "promo", idempotencyKey: key() }),
  },
  {
    code: "invalid_amount",
    name: "a negative charge",
    arrange: (w) => ({ kind: "charge", account: ref(w.user), amountMinor: -5n, idempotencyKey: key() }),
  },
  {
    code: "invalid_amount",
    name: "an authorization above the per-operation limit",
    arrange: (w) => ({
      kind: "authorize",
      account: ref(w.user),
      amountMinor: AMOUNT_MINOR_MAX + 1n,
      idempotencyKey: key(),
    }),
  },
  {
    code: "invalid_amount",
    name: "a negative settlement",
    arrange: (w) => ({ kind: "settle", holdId: authorize(w, 10n), amountMinor: -1n, idempotencyKey: key() }),
  },
  {
    code: "invalid_amount",
    name: "a refund of zero",
    arrange: (w) => ({ kind: "refund", transactionId: charge(w, 10n), amountMinor: 0n, idempotencyKey: key() }),
  },
  {
    code: "invalid_expiry",
    name: "a grant that expires now",
    arrange: (w) => ({
      kind: "grant",
      account: ref(w.user),
      amountMinor: 5n,
      source: "promo",
      expiresAt: w.batch.now,
      idempotencyKey: key(),
    }),
  },
  {
    code: "invalid_expiry",
    name: "a hold with a zero lifetime",
    arrange: (w) => ({ kind: "authorize", account: ref(w.user), amountMinor: 5n, ttlMs: 0, idempotencyKey: key() }),
  },
  {
    code: "invalid_expiry",
    name: "a hold longer than the deployment allows",
    arrange: (w) => ({
      kind: "authorize",
      account: ref(w.user),
      amountMinor: 5n,
      ttlMs: config.holdTtlMsMax + 1,
      idempotencyKey: key(),
    }),
  },
  {
    code: "reason_required",
    name: "an admin grant without a reason",
    arrange: (w) => ({ kind: "grant", account: ref(w.user), amountMinor: 5n, source: "admin", idempotencyKey: key() }),
  },
  {
    code: "reason_required",
    name: "a deduction whose reason is blank",
    arrange: (w) => ({ kind: "deduct", account: ref(w.user), amountMinor: 5n, reason: "  ", idempotencyKey: key() }),
  },
  {
    code: "reason_required",
    name: "a reversal without a reason",
    arrange: (w) => ({ kind: "reverse", transactionId: charge(w, 5n), reason: "", idempotencyKey: key() }),
  },
  {
    code: "guest_cannot_purchase",
    name: "a purchase granted to a guest",
    arrange: (w) => ({
      kind: "grant",
      account: ref(w.guest),
      amountMinor: 5n,
      source: "purchase",
      idempotencyKey: key(),
    }),
  },
  {
    code: "hold_not_found",
    name: "settling a hold that does not exist",
    arrange: () => ({ kind: "settle", holdId: "hold_missing", amountMinor: 1n, idempotencyKey: key() }),
  },
  {
    code: "hold_not_found",
    name: "releasing a hold that does not exist",
    arrange: () => ({ kind: "release", holdId: "hold_missing", idempotencyKey: key() }),
  },
  {
    code: "hold_already_settled",
    name: "settling a hold twice",
    arrange: (w) => {
      const holdId = authorize(w, 10n);
      expectOk(run(w.batch, { kind: "settle", holdId, amountMinor: 4n, idempotencyKey: key() }));
      return { kind: "settle", holdId, amountMinor: 4n, idempotencyKey: key() };
    },
  },
  {
    code: "hold_already_released",
    name: "settling a released hold",
    arrange: (w) => {
      const holdId = authorize(w, 10n);
      expectOk(run(w.batch, { kind: "release", holdId, idempotencyKey: key() }));
      return { kind: "settle", holdId, amountMinor: 4n, idempotencyKey: key() };
    },
  },
  {
    code: "hold_expired",
    name: "releasing a hold at the instant it expires",
    arrange: (w) => {
      const holdId = authorize(w, 10n, 1_000);
      advance(w.batch, 1_000);
      sweep(w.batch, w.user);
      return { kind: "release", holdId, idempotencyKey: key() };
    },
  },
  {
    code: "transaction_not_found",
    name: "refunding a transaction that does not exist",
    arrange: () => ({ kind: "refund", transactionId: "txn_missing", idempotencyKey: key() }),
  },
  {
    code: "transaction_not_refundable",
    name: "refunding a grant",
    arrange: (w) => ({ kind: "refund", transactionId: w.promoGrantId, idempotencyKey: key() }),
  },
  {
    code: "transaction_not_refundable",
    name: "refunding a deduction",
    arrange: (w) => ({
      kind: "refund",
      transactionId: done(w, {
        kind: "deduct",
        account: ref(w.user),
        amountMinor: 3n,
        reason: "abuse",
        idempotencyKey: key(),
      }),
      idempotencyKey: key(),
    }),
  },
  {
    code: "transaction_not_reversible",
    name: "reversing a refund",
    arrange: (w) => ({
      kind: "reverse",
      transactionId: done(w, { kind: "refund", transactionId: charge(w, 10n), idempotencyKey: key() }),
      reason: "oops",
      idempotencyKey: key(),
    }),
  },
  {
    code: "transaction_already_reversed",
    name: "reversing a charge twice",
    arrange: (w) => {
      const transactionId = charge(w, 10n);
      expectOk(run(w.batch, { kind: "reverse", transactionId, reason: "duplicate", idempotencyKey: key() }));
      return { kind: "reverse", transactionId, reason: "duplicate", idempotencyKey: key() };
    },
  },
  {
    code: "transaction_already_reversed",
    name: "refunding a reversed charge",
    arrange: (w) => {
      const transactionId = charge(w, 10n);
      expectOk(run(w.batch, { kind: "reverse", transactionId, reason: "duplicate", idempotencyKey: key() }));
      return { kind: "refund", transactionId, amountMinor: 1n, idempotencyKey: key() };
    },
  },
  {
    code: "refund_exceeds_charge",
    name: "refunding more than was charged",
    arrange: (w) => ({ kind: "refund", transactionId: charge(w, 30n), amountMinor: 31n, idempotencyKey: key() }),
    details: { requiredMinor: 31n, availableMinor: 30n },
  },
  {
    code: "refund_exceeds_charge",
    name: "refunding the rest after a partial refund",
    arrange: (w) => {
      const transactionId = charge(w, 30n);
      expectOk(run(w.batch, { kind: "refund", transactionId, amountMinor: 20n, idempotencyKey: key() }));
      return { kind: "refund", transactionId, amountMinor: 11n, idempotencyKey: key() };
    },
    details: { requiredMinor: 11n, availableMinor: 10n },
  },
  {
    code: "refund_exceeds_charge",
    name: "refunding a charge that was refunded in full",
    arrange: (w) => {
      const transactionId = charge(w, 30n);
      expectOk(run(w.batch, { kind: "refund", transactionId, idempotencyKey: key() }));
      return { kind: "refund", transactionId, idempotencyKey: key() };
    },
    details: { requiredMinor: 0n, availableMinor: 0n },
  },
  {
    code: "refund_exceeds_charge",
    name: "reversing a charge that was refunded in full",
    arrange: (w) => {
      const transactionId = charge(w, 30n);
      expectOk(run(w.batch, { kind: "refund", transactionId, idempotencyKey: key() }));
      return { kind: "reverse", transactionId, reason: "dispute", idempotencyKey: key() };
    },
    details: { availableMinor: 0n },
  },
  {
    code: "member_not_found",
    name: "a charge by a user who is not a member",
    arrange: (w) => ({
      kind: "charge",
      account: ref(w.org),
      amountMinor: 5n,
      member: "outsider",
      idempotencyKey: key(),
    }),
  },
  {
    code: "member_not_found",
    name: "a charge by a member who has no account",
    arrange: (w) => ({ kind: "charge", account: ref(w.org), amountMinor: 5n, member: "nobody", idempotencyKey: key() }),
  },
  {
    code: "feature_not_in_plan",
    name: "a charge for a feature the account's plan blocks",
    arrange: (w) => {
      subscribeStarter(w, w.user);
      return { kind: "charge", account: ref(w.user), amountMinor: 5n, feature: "generate_goal", idempotencyKey: key() };
    },
    details: { feature: "generate_goal", plan: "starter", plans: ["basic", "pro"] },
  },
  {
    code: "feature_not_in_plan",
    name: "a deduction for a feature the plan blocks, while the subscription is past due",
    arrange: (w) => {
      subscribeStarter(w, w.user);
      if (w.user.subscription) w.user.subscription.status = "past_due";
      return {
        kind: "deduct",
        account: ref(w.user),
        amountMinor: 5n,
        reason: "manual",
        feature: "export",
        idempotencyKey: key(),
      };
    },
    details: { feature: "export", plan: "starter" },
  },
  {
    code: "model_not_in_plan",
    name: "a hold for a model the account's plan denies",
    arrange: (w) => {
      subscribeStarter(w, w.user);
      return {
        kind: "authorize",
        account: ref(w.user),
        amountMinor: 5n,
        model: "OpenAI/o1-preview",
        idempotencyKey: key(),
      };
    },
    details: { model: "OpenAI/o1-preview", plan: "starter", plans: ["basic", "pro"] },
  },
  {
    code: "model_not_in_plan",
    name: "a member's charge for a model outside the organization's plan",
    arrange: (w) => {
      subscribeStarter(w, w.org);
      return {
        kind: "charge",
        account: ref(w.org),
        amountMinor: 5n,
        member: "member-1",
        model: "anthropic/claude-sonnet-4",
        idempotencyKey: key(),
      };
    },
    details: { model: "anthropic/claude-sonnet-4", plan: "starter", plans: ["basic", "pro"] },
  },
  {
    code: "member_cap_exceeded",
    name: "a hold above the member's cap",
    arrange: (w) => ({
      kind: "authorize",
      account: ref(w.org),
      amountMinor: 51n,
      member: "member-1",
      idempotencyKey: key(),
    }),
    details: { requiredMinor: 51n, availableMinor: 50n, capMinor: 50n },
  },
  {
    code: "member_cap_exceeded",
    name: "a charge above what the member's cap has left after a hold and a charge",
    arrange: (w) => {
      done(w, { kind: "charge", account: ref(w.org), amountMinor: 20n, member: "member-1", idempotencyKey: key() });
      done(w, { kind: "authorize", account: ref(w.org), amountMinor: 25n, member: "member-1", idempotencyKey: key() });
      return { kind: "charge", account: ref(w.org), amountMinor: 6n, member: "member-1", idempotencyKey: key() };
    },
    details: { requiredMinor: 6n, availableMinor: 5n, capMinor: 50n },
  },
  {
    code: "balance_limit_exceeded",
    name: "a grant that would take the balance past BALANCE_MINOR_MAX",
    arrange: (w) => {
      loadHugeBalance(w.user);
      return { kind: "grant", account: ref(w.user), amountMinor: 1n, source: "promo", idempotencyKey: key() };
    },
  },
  {
    code: "insufficient_credits",
    name: "a charge above the balance",
    arrange: (w) => ({ kind: "charge", account: ref(w.user), amountMinor: 101n, idempotencyKey: key() }),
    details: { requiredMinor: 101n, availableMinor: 100n },
  },
  {
    code: "insufficient_credits",
    name: "a charge by an uncapped member above the organization's balance",
    arrange: (w) => ({
      kind: "charge",
      account: ref(w.org),
      amountMinor: 201n,
      member: "member-2",
      idempotencyKey: key(),
    }),
    details: { requiredMinor: 201n, availableMinor: 200n },
  },
  {
    code: "insufficient_credits",
    name: "a hold above what other holds left available",
    arrange: (w) => {
      authorize(w, 70n);
      return { kind: "authorize", account: ref(w.user), amountMinor: 31n, idempotencyKey: key() };
    },
    details: { requiredMinor: 31n, availableMinor: 30n },
  },
  {
    code: "insufficient_credits",
    name: "a deduction in a unit the account has none of",
    arrange: (w) => ({
      kind: "deduct",
      account: ref(w.user),
      unit: "usd",
      amountMinor: 1n,
      reason: "fix",
      idempotencyKey: key(),
    }),
    details: { requiredMinor: 1n, availableMinor: 0n },
  },
  {
    code: "insufficient_credits",
    name: "a settlement above the hold and everything available",
    arrange: (w) => ({ kind: "settle", holdId: authorize(w, 40n), amountMinor: 101n, idempotencyKey: key() }),
    details: { requiredMinor: 101n, availableMinor: 100n },
  },
  {
    code: "insufficient_credits",
    name: "reversing a grant that was partly spent",
    arrange: (w) => {
      charge(w, 1n);
      return { kind: "reverse", transactionId: w.promoGrantId, reason: "mistake", idempotencyKey: key() };
    },
    details: { requiredMinor: 100n, availableMinor: 99n },
  },
];

/** Two codes apply; the one earlier in FAILURE_CODES must be returned. */
const precedenceRows: Array<Row & { alsoApplies: FailureCode }> = [
  {
    code: "invalid_plan",
    alsoApplies: "already_subscribed",
    name: "subscribing again, to a plan without a stored version",
    arrange: (w) => {
      subscribeUser(w);
      return { kind: "subscribe", account: ref(w.user), plan: pro, planVersion: 0, idempotencyKey: key() };
    },
  },
  {
    code: "guest_cannot_purchase",
    alsoApplies: "subscription_not_found",
    name: "a guest without a subscription changing to a plan that is sold",
    arrange: (w) => ({
      kind: "change_plan",
      account: ref(w.guest),
      plan: testPlan({ id: "paid", price: { amountMinor: 900n, currency: "usd" } }),
      planVersion: 1,
      idempotencyKey: key(),
    }),
  },
  {
    code: "account_not_found",
    alsoApplies: "invalid_amount",
    name: "a zero grant to a missing account",
    arrange: () => ({
      kind: "grant",
      account: { accountId: "acct_missing" },
      amountMinor: 0n,
      source: "promo",
      idempotencyKey: key(),
    }),
  },
  {
    code: "unit_not_found",
    alsoApplies: "invalid_amount",
    name: "a zero charge in an unknown unit",
    arrange: (w) => ({ kind: "charge", account: ref(w.user), unit: "gold", amountMinor: 0n, idempotencyKey: key() }),
  },
  {
    code: "unit_not_found",
    alsoApplies: "reason_required",
    name: "a deduction without reason in an unknown unit",
    arrange: (w) => ({
      kind: "deduct",
      account: ref(w.user),
      unit: "gold",
      amountMinor: 1n,
      reason: "",
      idempotencyKey: key(),
    }),
  },
  {
    code: "invalid_amount",
    alsoApplies: "invalid_expiry",
    name: "a zero grant that expires in the past",
    arrange: (w) => ({
      kind: "grant",
      account: ref(w.user),
      amountMinor: 0n,
      source: "promo",
      expiresAt: new Date(w.batch.now.getTime() - 1),
      idempotencyKey: key(),
    }),
  },
  {
    code: "invalid_amount",
    alsoApplies: "hold_not_found",
    name: "a negative settlement of a missing hold",
    arrange: () => ({ kind: "settle", holdId: "hold_missing", amountMinor: -1n, idempotencyKey: key() }),
  },
  {
    code: "invalid_amount",
    alsoApplies: "hold_already_settled",
    name: "a negative settlement of a settled hold",
    arrange: (w) => {
      const holdId = authorize(w, 10n);
      expectOk(run(w.batch, { kind: "settle", holdId, amountMinor: 10n, idempotencyKey: key() }));
      return { kind: "settle", holdId, amountMinor: -1n, idempotencyKey: key() };
    },
  },
  {
    code: "invalid_amount",
    alsoApplies: "transaction_not_found",
    name: "a zero refund of a missing transaction",
    arrange: () => ({ kind: "refund", transactionId: "txn_missing", amountMinor: 0n, idempotencyKey: key() }),
  },
  {
    code: "invalid_amount",
    alsoApplies: "transaction_not_refundable",
    name: "a negative refund of a grant",
    arrange: (w) => ({ kind: "refund", transactionId: w.promoGrantId, amountMinor: -1n, idempotencyKey: key() }),
  },
  {
    code: "invalid_amount",
    alsoApplies: "insufficient_credits",
    name: "a charge above the per-operation limit",
    arrange: (w) => ({
      kind: "charge",
      account: ref(w.user),
      amountMinor: AMOUNT_MINOR_MAX + 1n,
      idempotencyKey: key(),
    }),
  },
  {
    code: "invalid_expiry",
    alsoApplies: "reason_required",
    name: "an admin grant without reason that expires now",
    arrange: (w) => ({
      kind: "grant",
      account: ref(w.user),
      amountMinor: 1n,
      source: "admin",
      expiresAt: w.batch.now,
      idempotencyKey: key(),
    }),
  },
  {
    code: "invalid_expiry",
    alsoApplies: "guest_cannot_purchase",
    name: "a pack for a guest that expires in the past",
    arrange: (w) => ({
      kind: "grant",
      account: ref(w.guest),
      amountMinor: 1n,
      source: "pack",
      expiresAt: new Date(0),
      idempotencyKey: key(),
    }),
  },
  {
    code: "invalid_expiry",
    alsoApplies: "insufficient_credits",
    name: "an unaffordable hold with a fractional lifetime",
    arrange: (w) => ({
      kind: "authorize",
      account: ref(w.user),
      amountMinor: 500n,
      ttlMs: 1.5,
      idempotencyKey: key(),
    }),
  },
  {
    code: "reason_required",
    alsoApplies: "transaction_not_found",
    name: "a reversal of a missing transaction without reason",
    arrange: () => ({ kind: "reverse", transactionId: "txn_missing", reason: " ", idempotencyKey: key() }),
  },
  {
    code: "reason_required",
    alsoApplies: "transaction_not_reversible",
    name: "a reversal of a refund without reason",
    arrange: (w) => ({
      kind: "reverse",
      transactionId: done(w, { kind: "refund", transactionId: charge(w, 10n), idempotencyKey: key() }),
      reason: "",
      idempotencyKey: key(),
    }),
  },
  {
    code: "reason_required",
    alsoApplies: "insufficient_credits",
    name: "an unaffordable deduction without reason",
    arrange: (w) => ({ kind: "deduct", account: ref(w.user), amountMinor: 500n, reason: "", idempotencyKey: key() }),
  },
  {
    code: "hold_expired",
    alsoApplies: "insufficient_credits",
    name: "settling an expired hold above everything available",
    arrange: (w) => {
      const holdId = authorize(w, 10n, 1_000);
      advance(w.batch, 5_000);
      sweep(w.batch, w.user);
      return { kind: "settle", holdId, amountMinor: 1_000n, idempotencyKey: key() };
    },
  },
  {
    code: "transaction_not_refundable",
    alsoApplies: "refund_exceeds_charge",
    name: "refunding more than a grant gave",
    arrange: (w) => ({ kind: "refund", transactionId: w.promoGrantId, amountMinor: 101n, idempotencyKey: key() }),
  },
  {
    code: "transaction_already_reversed",
    alsoApplies: "refund_exceeds_charge",
    name: "refunding too much of a reversed charge",
    arrange: (w) => {
      const transactionId = charge(w, 10n);
      expectOk(run(w.batch, { kind: "reverse", transactionId, reason: "duplicate", idempotencyKey: key() }));
      return { kind: "refund", transactionId, amountMinor: 50n, idempotencyKey: key() };
    },
  },
  {
    code: "member_not_found",
    alsoApplies: "insufficient_credits",
    name: "an unaffordable charge by a non-member",
    arrange: (w) => ({
      kind: "charge",
      account: ref(w.org),
      amountMinor: 1_000n,
      member: "outsider",
      idempotencyKey: key(),
    }),
  },
  {
    code: "reason_required",
    alsoApplies: "feature_not_in_plan",
    name: "a deduction without reason for a feature the plan blocks",
    arrange: (w) => {
      subscribeStarter(w, w.user);
      return { kind: "deduct", account: ref(w.user), amountMinor: 1n, reason: "", feature: "x", idempotencyKey: key() };
    },
  },
  {
    code: "feature_not_in_plan",
    alsoApplies: "member_not_found",
    name: "a non-member's charge for a feature the organization's plan blocks",
    arrange: (w) => {
      subscribeStarter(w, w.org);
      return {
        kind: "charge",
        account: ref(w.org),
        amountMinor: 1n,
        member: "outsider",
        feature: "x",
        idempotencyKey: key(),
      };
    },
  },
  {
    code: "feature_not_in_plan",
    alsoApplies: "model_not_in_plan",
    name: "a charge whose feature and model the plan both refuse",
    arrange: (w) => {
      subscribeStarter(w, w.user);
      return {
        kind: "charge",
        account: ref(w.user),
        amountMinor: 1n,
        feature: "x",
        model: "openai/o1",
        idempotencyKey: key(),
      };
    },
    details: { feature: "x", plan: "starter" },
  },
  {
    code: "model_not_in_plan",
    alsoApplies: "member_cap_exceeded",
    name: "a member's hold above the cap for a model the plan denies",
    arrange: (w) => {
      subscribeStarter(w, w.org);
      return {
        kind: "authorize",
        account: ref(w.org),
        amountMinor: 51n,
        member: "member-1",
        model: "openai/o1",
        idempotencyKey: key(),
      };
    },
  },
  {
    code: "model_not_in_plan",
    alsoApplies: "insufficient_credits",
    name: "an unaffordable charge for a model the plan denies",
    arrange: (w) => {
      subscribeStarter(w, w.user);
      return { kind: "charge", account: ref(w.user), amountMinor: 10_000n, model: "openai/o1", idempotencyKey: key() };
    },
  },
  {
    code: "member_cap_exceeded",
    alsoApplies: "insufficient_credits",
    name: "a member's charge above both the cap and the balance",
    arrange: (w) => ({
      kind: "charge",
      account: ref(w.org),
      amountMinor: 1_000n,
      member: "member-1",
      idempotencyKey: key(),
    }),
    details: { requiredMinor: 1_000n, availableMinor: 50n, capMinor: 50n },
  },
];

/** A balance at BALANCE_MINOR_MAX, as the store could load it; no operation can build one quickly. */
function loadHugeBalance(state: AccountState): void {
  const lot = [...state.lots.values()][0];
  const row = state.balances.get("credits");
  if (!lot || !row) throw new Error("the world's user has a promo lot");
  lot.remainingMinor = BALANCE_MINOR_MAX;
  lot.grantedMinor = BALANCE_MINOR_MAX;
  row.balanceMinor = BALANCE_MINOR_MAX;
}

function checkRow(row: Row): void {
  const w = world();
  const op = row.arrange(w);
  const before = snapshot(w.batch);
  const details = expectFailure(run(w.batch, op), row.code);
  for (const [field, value] of Object.entries(row.details ?? {})) {
    assert.deepEqual(details[field as keyof FailureDetails], value, `details.${field}`);
  }
  assert.deepEqual(snapshot(w.batch), before, "a failed operation changes nothing");
  assertBalancedEntries(w.batch);
  for (const state of w.batch.accounts.values()) {
    if (row.code !== "balance_limit_exceeded") assertAccountConsistent(w.batch, state);
  }
}

describe("failure codes", () => {
  for (const row of rows) test(`${row.code}: ${row.name}`, () => checkRow(row));

  test("every code the rules return has a row (idempotency_conflict has its own table: replay-or-conflict.test.ts)", () => {
    const covered = new Set(rows.map((row) => row.code));
    const missing = FAILURE_CODES.filter((code) => code !== "idempotency_conflict" && !covered.has(code));
    assert.deepEqual(missing, []);
  });
});

describe("failure precedence: the earlier code in FAILURE_CODES wins", () => {
  for (const row of precedenceRows) {
    test(`${row.code} before ${row.alsoApplies}: ${row.name}`, () => {
      assert.ok(
        FAILURE_CODES.indexOf(row.code) < FAILURE_CODES.indexOf(row.alsoApplies),
        "the row's expected code comes first in FAILURE_CODES",
      );
      checkRow(row);
    });
  }
});
