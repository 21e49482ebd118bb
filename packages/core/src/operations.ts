import type { AccountRef, GrantSource, HoldStatus } from "./model.ts";
import type { PlanDefinition } from "./plans/plan.ts";
import type { SubscriptionStatus, SubscriptionView } from "./plans/subscription.ts";

/** Every write names an idempotency key: a replay returns the first result. */
interface Keyed {
  idempotencyKey: string;
}

export interface GrantOperation extends Keyed {
  kind: "grant";
  account: AccountRef;
  unit?: string;
  amountMinor: bigint;
  source: GrantSource;
  /** Lower spends first; defaults to the deployment's priority for the source. */
  priority?: number;
  expiresAt?: Date | null;
  /** Required for admin grants: every balance can be explained line by line. */
  reason?: string;
  /** For source `pack`: the configured pack the lot is (named in its `pack.purchased` event). */
  pack?: string;
}

export interface AuthorizeOperation extends Keyed {
  kind: "authorize";
  account: AccountRef;
  unit?: string;
  amountMinor: bigint;
  /** Hold lifetime; the deployment's default when absent, capped by its maximum. */
  ttlMs?: number;
  /** For an organization: the member (a user's external id) drawing from its balance. */
  member?: string;
  /**
   * What must be available before the hold, when more than its amount: a deployment's
   * floor for starting a call (a pay-as-you-go chat refuses a call below $0.01, whatever it costs).
   */
  minimumAvailableMinor?: bigint;
  /** The model the spend pays for ("openai/gpt-4o"): refused when the account's plan does not allow it. */
  model?: string;
  /** The feature the spend pays for ("generate_goal"): refused when the account's plan does not allow it. */
  feature?: string;
}

export interface SettleOperation extends Keyed {
  kind: "settle";
  holdId: string;
  /** The actual cost: less than the hold releases the rest; more draws the excess. */
  amountMinor: bigint;
  /**
   * When the excess over the hold cannot be covered, capture what can be and report the
   * shortfall instead of failing: usage already happened and must not be lost.
   */
  captureAvailable?: boolean;
}

export interface ReleaseOperation extends Keyed {
  kind: "release";
  holdId: string;
}

export interface ChargeOperation extends Keyed {
  kind: "charge";
  account: AccountRef;
  unit?: string;
  amountMinor: bigint;
  member?: string;
  reason?: string;
  /** The model the spend pays for ("openai/gpt-4o"): refused when the account's plan does not allow it. */
  model?: string;
  /** The feature the spend pays for ("generate_goal"): refused when the account's plan does not allow it. */
  feature?: string;
}

/** An admin deduction: like a charge, but to the adjustment account, with a required reason. */
export interface DeductOperation extends Keyed {
  kind: "deduct";
  account: AccountRef;
  unit?: string;
  amountMinor: bigint;
  reason: string;
  /** The model the spend pays for ("openai/gpt-4o"): refused when the account's plan does not allow it. */
  model?: string;
  /** The feature the spend pays for ("generate_goal"): refused when the account's plan does not allow it. */
  feature?: string;
}

/** Returns part or all of a charge or settlement to the lots it was drawn from. */
export interface RefundOperation extends Keyed {
  kind: "refund";
  transactionId: string;
  /** Defaults to what is left unrefunded. */
  amountMinor?: bigint;
  reason?: string;
}

/** Undoes a whole transaction (grant, charge, settlement, deduction) by mirroring its entries. */
export interface ReverseOperation extends Keyed {
  kind: "reverse";
  transactionId: string;
  reason: string;
}

/**
 * Takes back up to `amountMinor` of what a grant's lot still has free (a paid purchase refunded):
 * never more than the lot has unspent and unheld, never an overdraft. What could not be taken is
 * reported, not refused. Several claw-backs of one grant add up; a reversal of the grant after
 * them takes back only what is left.
 */
export interface ClawBackOperation extends Keyed {
  kind: "claw_back";
  /** The grant transaction whose lot is debited. */
  transactionId: string;
  /** What to take back at most. */
  amountMinor: bigint;
  reason: string;
}

/**
 * Subscribes the account to a plan version: the current period (from `anchorAt`) starts now and
 * its allocation is granted at once. An account has one subscription; a canceled one may be
 * replaced by a new one.
 */
export interface SubscribeOperation extends Keyed {
  kind: "subscribe";
  account: AccountRef;
  plan: PlanDefinition;
  /** The stored version of `plan` (see `Ledger.syncPlanVersions`). */
  planVersion: number;
  /** Where anniversary periods are counted from; now by default, never later. */
  anchorAt?: Date;
}

/**
 * Moves the subscription to another plan or version. A change that lowers any unit's allocation
 * is a downgrade and follows the current plan's `downgrade` timing; any other change applies
 * now and grants, per unit, what the new allocation adds for the current period.
 */
export interface ChangePlanOperation extends Keyed {
  kind: "change_plan";
  account: AccountRef;
  plan: PlanDefinition;
  planVersion: number;
}

/** Cancels the subscription, now or when its period ends, as its plan's `cancel` says. */
export interface CancelSubscriptionOperation extends Keyed {
  kind: "cancel_subscription";
  account: AccountRef;
}

/**
 * Sets the subscription's status from billing: `past_due` when a payment failed (the period's
 * credits stay, no new period is granted), `active` again when paid (the period not granted
 * while past due is granted then, once), `canceled` when billing ended it (terminal).
 */
export interface SetSubscriptionStatusOperation extends Keyed {
  kind: "set_subscription_status";
  account: AccountRef;
  status: SubscriptionStatus;
}

/** Brings the account's subscription up to now and nothing else: what the renewal job submits. */
export interface RenewOperation extends Keyed {
  kind: "renew";
  account: AccountRef;
}

export type Operation =
  | GrantOperation
  | AuthorizeOperation
  | SettleOperation
  | ReleaseOperation
  | ChargeOperation
  | DeductOperation
  | RefundOperation
  | ReverseOperation
  | ClawBackOperation
  | SubscribeOperation
  | ChangePlanOperation
  | CancelSubscriptionOperation
  | SetSubscriptionStatusOperation
  | RenewOperation;

export type OperationKind = Operation["kind"];

/** What a balance looks like right after an operation, so callers need not read it again. */
export interface BalanceAfter {
  accountId: string;
  unit: string;
  balanceMinor: bigint;
  heldMinor: bigint;
  availableMinor: bigint;
}

export interface TransactionOutcome extends BalanceAfter {
  transactionId: string;
  amountMinor: bigint;
}

export interface GrantOutcome extends TransactionOutcome {
  lotId: string;
}

export interface HoldOutcome extends BalanceAfter {
  holdId: string;
  amountMinor: bigint;
  expiresAt: Date;
  status: HoldStatus;
}

export interface SettleOutcome extends BalanceAfter {
  holdId: string;
  transactionId: string;
  /** What was captured. */
  amountMinor: bigint;
  /** What was asked for but could not be captured (only with `captureAvailable`). */
  shortfallMinor: bigint;
}

export type ReleaseOutcome = HoldOutcome;

/** What a claw-back took: `clawedBackMinor` of `requestedMinor`; `shortfallMinor` was spent, held or expired. */
export interface ClawBackOutcome extends BalanceAfter {
  /** The claw-back transaction; null when nothing could be taken (no transaction is written). */
  transactionId: string | null;
  lotId: string;
  requestedMinor: bigint;
  clawedBackMinor: bigint;
  shortfallMinor: bigint;
}

/**
 * What a subscription operation did: the subscription after it, and the grant transactions the
 * operation itself made (the first period's allocation, an upgrade's difference), in order; a
 * renewal's grants are the sweep's, made before any operation on the account, and not listed.
 * The balance is the one of the plan's first unit (the default unit for a plan without allocations).
 */
export interface SubscriptionOutcome extends BalanceAfter {
  subscription: SubscriptionView;
  transactionIds: string[];
}

export interface OutcomeByKind {
  grant: GrantOutcome;
  authorize: HoldOutcome;
  settle: SettleOutcome;
  release: ReleaseOutcome;
  charge: TransactionOutcome;
  deduct: TransactionOutcome;
  refund: TransactionOutcome;
  reverse: TransactionOutcome;
  claw_back: ClawBackOutcome;
  subscribe: SubscriptionOutcome;
  change_plan: SubscriptionOutcome;
  cancel_subscription: SubscriptionOutcome;
  set_subscription_status: SubscriptionOutcome;
  renew: SubscriptionOutcome;
}
