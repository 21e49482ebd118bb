import { type AccountRef, type BalanceAfter, type Result, type Unit, type Usage, validateUsage } from "@tollgate/core";
import type { Ledger, UsageEventDraft } from "@tollgate/store";
import { Features } from "./features.ts";
import { PriceBook } from "./price-book.ts";
import { definePricingConfig, type PricingConfig } from "./pricing-config.ts";
import { quoteModelCall, usdText } from "./quote.ts";
import { validateCallFields } from "./validate-call.ts";

/** A metering failure the ledger does not know: the call could not be priced. */
export interface MeteringFailure {
  ok: false;
  code: "unknown_model_price" | "feature_not_found";
  details: { message: string };
}

export type MeteringResult<T> = Result<T> | MeteringFailure;

/** What recording a call did: the usage event, and the charge (none for an uncharged call). */
export interface UsageOutcome extends BalanceAfter {
  usageEventId: string;
  transactionId: string | null;
  /** What was charged, in `unit`'s minor units (0 when nothing was). */
  amountMinor: bigint;
  /** With a hold settled for more than could be captured: what is still owed. */
  shortfallMinor?: bigint;
}

/** The fields every recorded call may carry, besides what it consumed. */
export interface CallContext {
  account: AccountRef;
  idempotencyKey: string;
  /** The organization member who made the call (a user's external id). */
  member?: string;
  conversationId?: string;
  success?: boolean;
  latencyMs?: number;
  metadata?: Record<string, unknown>;
}

export interface ModelUsageInput extends CallContext {
  provider: string;
  model: string;
  usage: Usage;
  /** The cost the provider reported (OpenRouter's `usage.cost`), a decimal string in USD. */
  providerReportedCostUsd?: string;
  /** The feature the call served, for reports. */
  feature?: string;
  /** The account's plan, for a per-plan markup. */
  plan?: string;
  /** Settle this hold (placed by `authorizeCall`) instead of charging afresh. */
  holdId?: string;
}

export interface FeatureUsageInput extends CallContext {
  feature: string;
}

/**
 * Usage metering: prices each AI call or feature use and charges it in the same database
 * transaction that records its usage event, idempotently. A failed call is recorded and
 * not charged, unless the deployment charges what the provider billed.
 *
 * @example
 * const meter = await Meter.open({ ledger, pricing: definePricingConfig({ creditsPerUsd: "10000", markup: { default: "2" } }) });
 * await meter.recordUsage({ account, idempotencyKey: "resp-1", provider: "openai", model: "gpt-4o", usage: { inputTokens: 1000, outputTokens: 200 } });
 */
export class Meter {
  private constructor(
    readonly ledger: Ledger,
    readonly config: PricingConfig,
    readonly prices: PriceBook,
    readonly features: Features,
  ) {}

  static async open(options: { ledger: Ledger; pricing?: PricingConfig }): Promise<Meter> {
    const config = options.pricing ?? definePricingConfig();
    const unit = config.unit ?? options.ledger.config.defaultUnit;
    if (!options.ledger.units.has(unit)) throw new RangeError(`the pricing unit "${unit}" is not a ledger unit`);
    const features = new Features(options.ledger.sql);
    for (const [name, definition] of Object.entries(config.features)) await features.define(name, definition);
    const prices = await PriceBook.open(options.ledger.sql, {
      fallbackPrice: config.fallbackPrice,
      clock: () => options.ledger.now(),
    });
    return new Meter(options.ledger, { ...config, unit }, prices, features);
  }

  /** The unit model calls are charged in. */
  get unit(): Unit {
    return this.ledger.units.get(this.config.unit as string) as Unit;
  }

  /** Records a model call and charges it (or settles its hold). */
  async recordUsage(input: ModelUsageInput): Promise<MeteringResult<UsageOutcome>> {
    validateCallFields(input);
    validateUsage(input.usage);
    const now = this.ledger.now();
    const price = await this.prices.priceOf({ provider: input.provider, model: input.model, at: now });
    const quote = quoteModelCall({ ...input, config: this.config, unit: this.unit, price });
    if (!quote) return unknownModel(input);
    const success = input.success ?? true;
    const draft: UsageEventDraft = {
      ...eventContext(input),
      unit: quote.unit,
      provider: price?.provider ?? input.provider.toLowerCase(),
      model: price?.model ?? input.model.toLowerCase(),
      feature: input.feature ?? null,
      usage: input.usage,
      providerCostUsd: usdText(quote.providerCostUsd),
      providerReportedCostUsd: input.providerReportedCostUsd ?? null,
      costSource: quote.costSource,
      chargedUsd: usdText(quote.chargedUsd),
      priceSnapshot: quote.snapshot,
    };
    const charged = success || this.config.chargeFailedCalls ? quote.chargeMinor : 0n;
    return this.#apply(input, { ...draft, chargedUsd: charged === 0n ? "0" : draft.chargedUsd }, charged);
  }

  /** Charges a feature's fixed cost (the account's override, if any) and records its use. */
  async chargeFeature(input: FeatureUsageInput): Promise<MeteringResult<UsageOutcome>> {
    validateCallFields(input);
    const accountId = await this.ledger.accounts.ensureId(input.account);
    const cost = await this.features.costFor(accountId, input.feature);
    if (!cost) return { ok: false, code: "feature_not_found", details: { message: `no feature "${input.feature}"` } };
    const draft: UsageEventDraft = {
      ...eventContext(input),
      unit: cost.unit,
      feature: input.feature,
      usage: { requests: 1 },
      providerCostUsd: "0",
      costSource: "feature",
      priceSnapshot: {
        feature: cost.feature,
        unit: cost.unit,
        costMinor: cost.costMinor.toString(),
        overridden: cost.overridden,
      },
    };
    return this.#apply(input, draft, (input.success ?? true) ? cost.costMinor : 0n);
  }

  async close(): Promise<void> {
    await this.prices.close();
  }

  /** Charges (or settles the hold) with the usage event attached; nothing to charge records it alone. */
  async #apply(
    input: CallContext & { holdId?: string },
    draft: UsageEventDraft,
    chargeMinor: bigint,
  ): Promise<MeteringResult<UsageOutcome>> {
    const { idempotencyKey } = input;
    const request = { ...input, metering: "usage" } as Record<string, unknown>;
    if (input.holdId) {
      const op =
        chargeMinor === 0n
          ? ({ kind: "release", holdId: input.holdId, idempotencyKey } as const)
          : ({
              kind: "settle",
              holdId: input.holdId,
              amountMinor: chargeMinor,
              captureAvailable: true,
              idempotencyKey,
            } as const);
      return this.ledger.execute(op, { usageEvent: draft, request }) as Promise<MeteringResult<UsageOutcome>>;
    }
    if (chargeMinor === 0n) {
      return this.ledger.recordUncharged({
        account: input.account,
        ...(input.member === undefined ? {} : { member: input.member }),
        idempotencyKey,
        usageEvent: draft,
        request,
      });
    }
    const op = {
      kind: "charge",
      account: input.account,
      unit: draft.unit,
      amountMinor: chargeMinor,
      ...(input.member === undefined ? {} : { member: input.member }),
      idempotencyKey,
    } as const;
    return this.ledger.execute(op, { usageEvent: draft, request }) as Promise<MeteringResult<UsageOutcome>>;
  }
}

function eventContext(
  input: CallContext,
): Omit<UsageEventDraft, "unit" | "usage" | "providerCostUsd" | "costSource" | "priceSnapshot"> {
  return {
    success: input.success ?? true,
    member: input.member ?? null,
    conversationId: input.conversationId ?? null,
    latencyMs: input.latencyMs ?? null,
    metadata: input.metadata ?? null,
  };
}

function unknownModel(input: { provider: string; model: string }): MeteringFailure {
  return {
    ok: false,
    code: "unknown_model_price",
    details: {
      message: `no price for ${input.provider}/${input.model}: set one with \`tollgate pricing set\`, or a fallback price in the pricing configuration`,
    },
  };
}
