import {
  type AccountState,
  accountUnitKey,
  availableOf,
  type BatchContext,
  formatMinor,
  type Hold,
} from "@tollgate/core";
import { newIdAt } from "../new-id.ts";
import type { WebhookAccount, WebhookEvent, WebhookEventType } from "./webhook-event-types.ts";

/** What a batch's events are compared against: each loaded balance's available, and the active holds. */
export interface BatchSnapshot {
  /** `accountId \0 unit` → available before the batch. A unit with no row had 0. */
  availableMinor: Map<string, bigint>;
  activeHoldIds: Set<string>;
  /** Each loaded account's subscription status before the batch, for `subscription.past_due`. */
  subscriptionStatus: Map<string, string>;
}

/**
 * Where an account's low-balance threshold comes from, first match wins: the account's own
 * (`thresholds`, loaded with its balances), then (once plans exist) its plan's, then the
 * deployment's default per unit. 0 or none: no `balance.low`.
 */
export interface ThresholdSources {
  /** `accountId \0 unit` → the account's own threshold, when it has one. */
  account: ReadonlyMap<string, bigint>;
  deploymentDefaults: ReadonlyMap<string, bigint>;
}

/**
 * Takes the batch's starting point, after its accounts are loaded and before any item runs.
 * O(loaded balances and holds): a few map writes per account.
 *
 * @example
 * const before = snapshotBatch(ctx); // … apply the items …; batchEvents(ctx, before, sources)
 */
export function snapshotBatch(ctx: BatchContext): BatchSnapshot {
  const availableMinor = new Map<string, bigint>();
  const activeHoldIds = new Set<string>();
  const subscriptionStatus = new Map<string, string>();
  for (const [accountId, state] of ctx.accounts) {
    if (state.subscription) subscriptionStatus.set(accountId, state.subscription.status);
    for (const row of state.balances.values())
      availableMinor.set(accountUnitKey(accountId, row.unit), availableOf(row));
    for (const hold of state.holds.values()) if (hold.status === "active") activeHoldIds.add(hold.holdId);
  }
  return { availableMinor, activeHoldIds, subscriptionStatus };
}

/**
 * The webhook events a batch produced, from its state before and after and the writes the
 * rules made: a balance that crossed below its threshold or to zero (once per crossing:
 * compared across the whole batch, not per operation), each lot that expired with credits
 * left, each hold that expired. Empty in the common case, at the cost of one pass over the
 * batch's changed balances, transactions and holds.
 *
 * @example
 * const events = batchEvents(ctx, before, { account: new Map(), deploymentDefaults: new Map([["credits", 100n]]) });
 */
export function batchEvents(ctx: BatchContext, before: BatchSnapshot, thresholds: ThresholdSources): WebhookEvent[] {
  const events: WebhookEvent[] = [];
  const event = (state: AccountState, type: WebhookEventType, unit: string, data: Record<string, unknown>) => {
    events.push({
      eventId: newIdAt("webhookEvent", ctx.now),
      accountId: state.account.accountId,
      type,
      data: { account: accountOf(state), unit, ...data },
      createdAt: ctx.now,
    });
  };
  const amount = (name: string, unit: string, minor: bigint) => ({
    [name]: formatMinor(minor, ctx.units.get(unit)?.scale ?? 0),
    [`${name}Minor`]: minor.toString(),
  });
  for (const [key, { accountId, row }] of ctx.writes.balances) {
    const state = ctx.accounts.get(accountId);
    if (!state) continue;
    const was = before.availableMinor.get(key) ?? 0n;
    const now = availableOf(row);
    const threshold = thresholds.account.get(key) ?? thresholds.deploymentDefaults.get(row.unit) ?? 0n;
    if (threshold > 0n && was >= threshold && now < threshold) {
      event(state, "balance.low", row.unit, {
        ...amount("available", row.unit, now),
        ...amount("threshold", row.unit, threshold),
      });
    }
    if (was > 0n && now <= 0n) event(state, "balance.depleted", row.unit, amount("available", row.unit, now));
  }
  expiryEvents(ctx, (state, unit, data) => event(state, "grant.expired", unit, data), amount);
  for (const hold of ctx.writes.holds.values()) {
    const state = ctx.accounts.get(hold.accountId);
    if (!state || hold.status !== "expired" || !before.activeHoldIds.has(hold.holdId)) continue;
    event(state, "hold.expired", hold.unit, { holdId: hold.holdId, ...released(hold, amount) });
  }
  grantEvents(ctx, events, amount);
  events.push(...pastDueEvents(ctx, before));
  return events;
}

/**
 * A `subscription.past_due` per subscription the batch moved into `past_due` (a payment
 * failed): compared with the status before the batch, so a redelivered failure that finds it
 * past due already sends nothing.
 */
function pastDueEvents(ctx: BatchContext, before: BatchSnapshot): WebhookEvent[] {
  const events: WebhookEvent[] = [];
  for (const { accountId, subscription } of ctx.writes.subscriptions.values()) {
    const state = ctx.accounts.get(accountId);
    if (!state || subscription.status !== "past_due" || before.subscriptionStatus.get(accountId) === "past_due") {
      continue;
    }
    events.push({
      eventId: newIdAt("webhookEvent", ctx.now),
      accountId,
      type: "subscription.past_due",
      data: {
        account: accountOf(state),
        subscriptionId: subscription.subscriptionId,
        planId: subscription.planId,
        planVersion: subscription.planVersion,
        periodStart: subscription.periodStart.toISOString(),
        periodEnd: subscription.periodEnd.toISOString(),
      },
      createdAt: ctx.now,
    });
  }
  return events;
}

/**
 * A `subscription.renewed` per period a renewal granted, and a `pack.purchased` per pack lot:
 * the rules list them in the writes, so an event is made only by the batch that commits the
 * grant, and a replay (which grants nothing) makes none.
 */
function grantEvents(ctx: BatchContext, events: WebhookEvent[], amount: Amount): void {
  if (ctx.writes.renewals.length === 0 && ctx.writes.packGrants.length === 0) return;
  const transactions = new Map(ctx.writes.transactions.map((transaction) => [transaction.transactionId, transaction]));
  const push = (state: AccountState, type: WebhookEventType, data: Record<string, unknown>) =>
    events.push({
      eventId: newIdAt("webhookEvent", ctx.now),
      accountId: state.account.accountId,
      type,
      data: { account: accountOf(state), ...data },
      createdAt: ctx.now,
    });
  for (const renewal of ctx.writes.renewals) {
    const state = ctx.accounts.get(renewal.accountId);
    if (!state) continue;
    const grants = renewal.transactionIds.flatMap((transactionId) => {
      const transaction = transactions.get(transactionId);
      if (!transaction) return [];
      return [
        { unit: transaction.unit, transactionId, ...amount("amount", transaction.unit, transaction.amountMinor) },
      ];
    });
    push(state, "subscription.renewed", {
      subscriptionId: renewal.subscriptionId,
      planId: renewal.planId,
      planVersion: renewal.planVersion,
      periodStart: renewal.periodStart.toISOString(),
      periodEnd: renewal.periodEnd.toISOString(),
      grants,
    });
  }
  for (const grant of ctx.writes.packGrants) {
    const state = ctx.accounts.get(grant.accountId);
    const lot = state?.lots.get(grant.lotId);
    if (!state || !lot) continue;
    push(state, "pack.purchased", {
      unit: lot.unit,
      packId: grant.packId,
      lotId: lot.lotId,
      transactionId: grant.transactionId,
      expiresAt: lot.expiresAt?.toISOString() ?? null,
      ...amount("amount", lot.unit, lot.grantedMinor),
    });
  }
}

type Amount = (name: string, unit: string, minor: bigint) => Record<string, string>;

/** A `grant.expired` per expiry transaction: the lot it drew and how much expired. */
function expiryEvents(
  ctx: BatchContext,
  emit: (state: AccountState, unit: string, data: Record<string, unknown>) => void,
  amount: Amount,
): void {
  const expiries = new Set(ctx.writes.transactions.filter((t) => t.kind === "expiry").map((t) => t.transactionId));
  if (expiries.size === 0) return;
  for (const entry of ctx.writes.entries) {
    if (!expiries.has(entry.transactionId) || entry.lotId === null) continue;
    const state = ctx.accounts.get(entry.accountId);
    const lot = state?.lots.get(entry.lotId);
    if (!state || !lot) continue;
    emit(state, lot.unit, {
      lotId: lot.lotId,
      source: lot.source,
      transactionId: entry.transactionId,
      expiredAt: lot.expiresAt?.toISOString() ?? null,
      ...amount("amount", lot.unit, -entry.amountMinor),
    });
  }
}

function released(hold: Hold, amount: Amount) {
  return { ...amount("amount", hold.unit, hold.amountMinor), expiredAt: hold.expiresAt.toISOString() };
}

function accountOf(state: AccountState): WebhookAccount {
  const { account } = state;
  return { id: account.accountId, type: account.type, externalId: account.externalId };
}
