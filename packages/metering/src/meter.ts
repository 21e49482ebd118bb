import {
  type AccountRef,
  type BalanceAfter,
  type HoldOutcome,
  type Operation,
  type Result,
  type Unit,
  type Usage,
  validateUsage,
} from "@tollgate/core";
import {
  canonicalJson,
  type ExecuteOptions,
  type HttpKeyInBatch,
  type Ledger,
  type UnchargedInput,
  type UsageEventDraft,
} from "@tollgate/store";
import { type AccountStats, accountStats } from "./account-stats.ts";
import { largestAffordableOutput } from "./affordable-output.ts";
import { estimateUsageBound, type UsageBound } from "./estimate-usage.ts";
import { Features } from "./features.ts";
import { PriceBook, planModelId, type ResolvedPrice } from "./price-book.ts";
import { priceSnapshot } from "./price-snapshot.ts";
import { definePricingConfig, type PricingConfig } from "./pricing-config.ts";
import { quoteModelCall, usdText } from "./quote.ts";
import { conversationUsage, type UsageReportQuery, type UsageReportRow, usageReport } from "./usage-reports.ts";
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

/** A model call about to be made, as its request describes it. */
export interface ModelCallInput {
  account: AccountRef;
  idempotencyKey: string;
  member?: string;
  provider: string;
  model: string;
  /** The request's `messages`, as sent (OpenAI chat format). */
  messages: unknown;
  tools?: unknown;
  /** The request's `max_completion_tokens ?? max_tokens`. */
  maxTokens?: unknown;
  /** The request's `n`. */
  choiceCount?: unknown;
  /** `false` for a call that generates no tokens (an embedding): held for its input alone. */
  generatesOutput?: boolean;
  /** The feature the call serves: refused with `feature_not_in_plan` when the account's plan does not include it. */
  feature?: string;
  plan?: string;
  /** How long the hold lives; the ledger's default when absent. */
  ttlMs?: number;
}

/** The most a call can cost, and how it was bounded. */
export interface CallEstimate extends UsageBound {
  unit: string;
  amountMinor: bigint;
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
  async recordUsage(input: ModelUsageInput, options: MeterOptions = {}): Promise<MeteringResult<UsageOutcome>> {
    validateCallFields(input);
    validateUsage(input.usage);
    const price = await this.prices.priceOf({ provider: input.provider, model: input.model, at: this.ledger.now() });
    const entry = this.#usageEntry(input, price, options);
    if ("refused" in entry) return entry.refused;
    return this.#run(entry);
  }

  /**
   * Records many model calls, each charged (or settling its hold) on its own with its own
   * idempotency key and result, in order: one pricing loop (each distinct model priced once)
   * and one ledger submission for all of them, so they go in as few transactions as the
   * ledger's batch size allows. A call refused before the ledger (no price) is answered in place.
   *
   * @example
   * const [first, second] = await meter.recordUsageMany([callOne, callTwo]);
   */
  async recordUsageMany(inputs: readonly ModelUsageInput[]): Promise<Array<MeteringResult<UsageOutcome>>> {
    for (const input of inputs) {
      validateCallFields(input);
      validateUsage(input.usage);
    }
    const at = this.ledger.now();
    const prices = new Map<string, Promise<ResolvedPrice | null>>();
    const priceOf = (input: ModelUsageInput) => {
      const name = `${input.provider}\u0000${input.model}`;
      let price = prices.get(name);
      if (price === undefined) {
        price = this.prices.priceOf({ provider: input.provider, model: input.model, at });
        prices.set(name, price);
      }
      return price;
    };
    const priced = await Promise.all(inputs.map(priceOf));
    const results: Array<MeteringResult<UsageOutcome>> = new Array(inputs.length);
    const submitted: number[] = [];
    const entries: LedgerEntry[] = [];
    inputs.forEach((input, index) => {
      const entry = this.#usageEntry(input, priced[index] ?? null, {});
      if ("refused" in entry) results[index] = entry.refused;
      else {
        submitted.push(index);
        entries.push(entry);
      }
    });
    const applied = await this.ledger.executeMany(entries);
    submitted.forEach((index, position) => {
      results[index] = applied[position] as MeteringResult<UsageOutcome>;
    });
    return results;
  }

  /** What a priced model call submits to the ledger, or its refusal when nothing prices it. */
  #usageEntry(
    input: ModelUsageInput,
    price: ResolvedPrice | null,
    options: MeterOptions,
  ): LedgerEntry | { refused: MeteringResult<UsageOutcome> } {
    const quote = quoteModelCall({ ...input, config: this.config, unit: this.unit, price });
    if (!quote) return { refused: unknownModel(input) };
    const success = input.success ?? true;
    const charged = success || this.config.chargeFailedCalls ? quote.chargeMinor : 0n;
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
      chargedUsd: charged === 0n ? "0" : usdText(quote.chargedUsd),
      priceSnapshot: quote.snapshot,
    };
    const subject = { model: planModelId(input), ...(input.feature === undefined ? {} : { feature: input.feature }) };
    return this.#entry(input, draft, charged, subject, options);
  }

  /** Runs one ledger entry: an operation, or a usage event charged nothing. */
  #run(entry: LedgerEntry): Promise<MeteringResult<UsageOutcome>> {
    if ("uncharged" in entry)
      return this.ledger.recordUncharged(entry.uncharged) as Promise<MeteringResult<UsageOutcome>>;
    return this.ledger.execute(entry.op, entry.options) as Promise<MeteringResult<UsageOutcome>>;
  }

  /** Charges a feature's fixed cost (the account's override, if any) and records its use. */
  async chargeFeature(input: FeatureUsageInput, options: MeterOptions = {}): Promise<MeteringResult<UsageOutcome>> {
    validateCallFields(input);
    // Found, never created: an account that does not exist has no override, and the charge
    // creates it in its own transaction only if it succeeds.
    const accountId = await this.ledger.accounts.findId(input.account);
    const cost = await this.features.costFor(accountId, input.feature);
    if (!cost) return { ok: false, code: "feature_not_found", details: { message: `no feature "${input.feature}"` } };
    const draft: UsageEventDraft = {
      ...eventContext(input),
      unit: cost.unit,
      feature: input.feature,
      usage: { requests: 1 },
      providerCostUsd: "0",
      costSource: "feature",
      priceSnapshot: priceSnapshot(
        ["feature", cost.feature, cost.unit, cost.costMinor, cost.overridden].join("\u0000"),
        () => ({
          feature: cost.feature,
          unit: cost.unit,
          costMinor: cost.costMinor.toString(),
          overridden: cost.overridden,
        }),
      ),
    };
    const chargeMinor = (input.success ?? true) ? cost.costMinor : 0n;
    return this.#run(this.#entry(input, draft, chargeMinor, { feature: input.feature }, options));
  }

  /**
   * The most a model call can cost, from its request: prompt tokens (a tokenizer for
   * OpenAI-family models, a byte bound for the rest) and its output limit, at whichever of
   * the output and reasoning prices is higher. Null when nothing prices the model.
   */
  async estimateCall(input: Omit<ModelCallInput, "account" | "idempotencyKey">): Promise<CallEstimate | null> {
    const priced = await this.#boundCall(input);
    if (!priced) return null;
    const { bound, holdOf } = priced;
    return { ...bound, unit: this.unit.unit, amountMinor: holdOf(bound.usage) };
  }

  /**
   * The most output tokens per choice a call can ask for and still be held with
   * `availableMinor`: its own bound (`maxTokens`, else the model's default, within the context
   * window) when that is affordable, less when not, and null when even the prompt and one token
   * are more than is available (or the deployment's minimum to start a call is). What the proxy
   * lowers `max_tokens` to. Null too when nothing prices the model.
   *
   * @example
   * await meter.affordableMaxTokens({ provider: "openai", model: "gpt-4o-mini", messages, maxTokens: 5_000, availableMinor: 30n })
   * // 2_497 at 2x markup and 10,000 credits a dollar: a hold for 2,497 output tokens fits in 30 credits, 2,498 not
   */
  async affordableMaxTokens(
    input: Omit<ModelCallInput, "account" | "idempotencyKey"> & { availableMinor: bigint },
  ): Promise<number | null> {
    if (input.availableMinor < this.config.minimumAvailableMinor) return null;
    const priced = await this.#boundCall(input);
    if (!priced) return null;
    const { bound, holdOf } = priced;
    // estimateUsageBound has checked `choiceCount`: absent or a positive integer.
    const choiceCount = typeof input.choiceCount === "number" ? input.choiceCount : 1;
    const outputTokensMax = (bound.usage.outputTokens ?? 0) / choiceCount;
    if (outputTokensMax < 1) return null;
    return largestAffordableOutput({
      outputTokensMax,
      availableMinor: input.availableMinor,
      holdFor: (perChoice) => {
        const outputTokens = perChoice * choiceCount;
        const hold = holdOf({ ...bound.usage, outputTokens, reasoningTokens: outputTokens });
        return hold > 0n ? hold : 1n; // As authorizeCall holds it.
      },
    });
  }

  /**
   * A call's usage bound, and the hold a bound of that shape needs: priced at the catalog (a
   * provider's own report comes only after the call), at whichever of all-reasoning and
   * no-reasoning output costs more, and never empty.
   */
  async #boundCall(input: Omit<ModelCallInput, "account" | "idempotencyKey">) {
    const price = await this.prices.priceOf({ provider: input.provider, model: input.model, at: this.ledger.now() });
    if (!price) return null;
    const bound = await estimateUsageBound({
      ...input,
      ...(price.contextWindow === null ? {} : { contextWindow: price.contextWindow }),
      defaultMaxOutputTokens: this.config.defaultMaxOutputTokens,
    });
    const catalogOnly = { ...this.config, costSource: "catalog" as const };
    const charge = (usage: Usage) =>
      quoteModelCall({ ...input, config: catalogOnly, unit: this.unit, price, usage })?.chargeMinor ?? 0n;
    const holdOf = (usage: Usage): bigint => {
      const allReasoning = charge(usage);
      const noReasoning = charge({ ...usage, reasoningTokens: 0 });
      return allReasoning > noReasoning ? allReasoning : noReasoning;
    };
    return { bound, holdOf };
  }

  /**
   * Holds the most a model call can cost before it is made (settle it with `recordUsage`
   * and its `holdId`). Refused with `insufficient_credits` when that, or the deployment's
   * minimum to start a call, is more than is available.
   */
  async authorizeCall(
    input: ModelCallInput,
    options: MeterOptions = {},
  ): Promise<MeteringResult<HoldOutcome & { estimate: CallEstimate }>> {
    validateCallFields(input);
    const estimate = await this.estimateCall(input);
    if (!estimate) return unknownModel(input);
    const withEstimate = <V extends object>(result: Result<V>) =>
      result.ok ? { ...result, value: { ...result.value, estimate } } : result;
    const { httpKey } = options;
    if (httpKey) {
      // The key's answer is the meter's result, as the caller gets it: with the estimate.
      const answer = httpKey.answer;
      httpKey.answer = (result) => answer(withEstimate(result as Result<object>) as typeof result);
    }
    const result = await this.ledger.authorize(
      {
        account: input.account,
        unit: estimate.unit,
        // A hold is never empty: a free model's call still reserves one minor unit.
        amountMinor: estimate.amountMinor > 0n ? estimate.amountMinor : 1n,
        ...(this.config.minimumAvailableMinor > 0n ? { minimumAvailableMinor: this.config.minimumAvailableMinor } : {}),
        ...(input.member === undefined ? {} : { member: input.member }),
        ...(input.ttlMs === undefined ? {} : { ttlMs: input.ttlMs }),
        model: planModelId(input),
        ...(input.feature === undefined ? {} : { feature: input.feature }),
        idempotencyKey: input.idempotencyKey,
      },
      options,
    );
    return withEstimate(result);
  }

  /** An account's usage grouped by model, provider, feature, conversation, member or period; null: no such account. */
  async usageReport(
    query: Omit<UsageReportQuery, "accountId"> & { account: AccountRef },
  ): Promise<UsageReportRow[] | null> {
    const accountId = await this.ledger.accounts.findId(query.account);
    return accountId ? usageReport(this.ledger.sql, { ...query, accountId }) : null;
  }

  /** A conversation's usage and cost (a chat's cost, shown beside it); null when it has none. */
  async conversationUsage(query: { account: AccountRef; conversationId: string }) {
    const accountId = await this.ledger.accounts.findId(query.account);
    return accountId ? conversationUsage(this.ledger.sql, { accountId, conversationId: query.conversationId }) : null;
  }

  /** Balance, used and allocated per unit (what a `getTokenStats()` helper returns); null: no such account. */
  async accountStats(query: { account: AccountRef }): Promise<AccountStats | null> {
    const accountId = await this.ledger.accounts.findId(query.account);
    if (!accountId) return null;
    const subscription = await this.ledger.getSubscription({ accountId });
    const refreshDate = subscription?.status === "active" ? subscription.periodEnd : null;
    return accountStats(this.ledger.sql, { accountId, units: this.ledger.units, now: this.ledger.now(), refreshDate });
  }

  async close(): Promise<void> {
    await this.prices.close();
  }

  /**
   * What charges (or settles the hold) with the usage event attached; nothing to charge records
   * it alone. A charge carries what it pays for (`subject`), for the account's plan to allow or
   * refuse under the account's lock; a settlement does not: its hold was allowed, and an
   * uncharged (failed) call spends nothing to refuse.
   */
  #entry(
    input: CallContext & { holdId?: string },
    draft: UsageEventDraft,
    chargeMinor: bigint,
    subject: { model?: string; feature?: string },
    options: MeterOptions,
  ): LedgerEntry {
    const { idempotencyKey } = input;
    const request = usageRequest(input);
    const httpKey = options.httpKey ? { httpKey: options.httpKey } : {};
    const executeOptions = { usageEvent: draft, request, ...httpKey };
    if (input.holdId) {
      const op: Operation =
        chargeMinor === 0n
          ? { kind: "release", holdId: input.holdId, idempotencyKey }
          : { kind: "settle", holdId: input.holdId, amountMinor: chargeMinor, captureAvailable: true, idempotencyKey };
      return { op, options: executeOptions };
    }
    if (chargeMinor === 0n) {
      const member = input.member === undefined ? {} : { member: input.member };
      return {
        uncharged: { account: input.account, ...member, idempotencyKey, usageEvent: draft, request, ...httpKey },
      };
    }
    const op: Operation = {
      kind: "charge",
      account: input.account,
      unit: draft.unit,
      amountMinor: chargeMinor,
      ...(input.member === undefined ? {} : { member: input.member }),
      ...subject,
      idempotencyKey,
    };
    return { op, options: executeOptions };
  }
}

/** One thing the meter submits to the ledger: an operation with its usage event, or an event charged nothing. */
type LedgerEntry = { op: Operation; options: ExecuteOptions } | { uncharged: UnchargedInput };

/** How the meter runs a call: with the HTTP request's Idempotency-Key answered in the ledger's transaction. */
export interface MeterOptions {
  httpKey?: HttpKeyInBatch;
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

/**
 * What a usage key stands for: the caller's input in a fixed order (not the computed charge,
 * so a retry after a price change replays). Cheaper than canonical JSON of the whole object.
 */
function usageRequest(input: Partial<ModelUsageInput> & CallContext & { feature?: string }): string {
  const { usage } = input;
  return JSON.stringify([
    "usage/1",
    "accountId" in input.account ? ["id", input.account.accountId] : [input.account.type, input.account.externalId],
    input.member ?? null,
    input.holdId ?? null,
    input.provider ?? null,
    input.model ?? null,
    input.feature ?? null,
    input.plan ?? null,
    usage
      ? [
          usage.inputTokens ?? 0,
          usage.cacheReadTokens ?? 0,
          usage.cacheWriteTokens ?? 0,
          usage.outputTokens ?? 0,
          usage.reasoningTokens ?? 0,
          usage.images ?? 0,
          usage.audioSeconds ?? "0",
          usage.requests ?? null,
        ]
      : null,
    input.providerReportedCostUsd ?? null,
    input.conversationId ?? null,
    input.success ?? true,
    input.latencyMs ?? null,
    input.metadata === undefined ? null : canonicalJson(input.metadata),
  ]);
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
