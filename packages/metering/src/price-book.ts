import { type ModelPrice, validateModelPrice } from "@tollgate/core";
import { notify, type SqlClient } from "@tollgate/store";
import { catalogPrice } from "./catalog.ts";

/** The price a call is charged with, and where it came from. */
export interface ResolvedPrice {
  provider: string;
  model: string;
  source: "override" | "catalog" | "fallback";
  price: ModelPrice;
  /** When an override took effect; null for the catalog and the fallback. */
  effectiveFrom: Date | null;
  /** The model's context window, when the catalog knows it (bounds estimates). */
  contextWindow: number | null;
}

/**
 * A deployment's price for a model, from a point in time on. A null price is a cleared
 * override: from `effectiveFrom` on the catalog (or the fallback) prices the model again. Rows
 * are never deleted, so clearing is a row too, and the history says when each price held.
 */
export interface PriceOverride {
  provider: string;
  model: string;
  effectiveFrom: Date;
  price: ModelPrice | null;
  reason: string | null;
  createdAt: Date;
}

/** How far in the past an override may take effect: clock skew, not backdating. */
const BACKDATING_TOLERANCE_MS = 60_000;
const CHANNEL = "prices";
/** Most overridden models a price list reads: a limit on everything (a deployment overrides a few dozen). */
export const OVERRIDDEN_MODELS_MAX = 10_000;
const PROVIDER = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Model prices: the deployment's effective-dated overrides, else the bundled catalog, else
 * the deployment's fallback. Overrides are cached in process per model and dropped the
 * moment any instance changes them (a notification at commit), so a change applies to the
 * next call, not five minutes later. Overrides are never edited or backdated: a new price
 * is a new row from now or later, so what past usage cost never changes.
 */
export class PriceBook {
  readonly #cache = new Map<string, PriceOverride[]>();
  #generation = 0;
  #stopListening: (() => Promise<void>) | null = null;

  private constructor(
    private readonly sql: SqlClient,
    private readonly fallbackPrice: ModelPrice | null,
    private readonly clock: () => Date,
  ) {}

  static async open(
    sql: SqlClient,
    options: { fallbackPrice: ModelPrice | null; clock?: () => Date },
  ): Promise<PriceBook> {
    const book = new PriceBook(sql, options.fallbackPrice, options.clock ?? (() => new Date()));
    book.#stopListening = await sql.listen(CHANNEL, (payload) => book.#invalidate(payload));
    return book;
  }

  /** The price of `provider`/`model` at `at`; null when nothing prices it. */
  async priceOf(call: { provider: string; model: string; at: Date }): Promise<ResolvedPrice | null> {
    const { provider, model } = normalizeModel(call);
    const overrides = await this.#overrides(provider, model);
    const inEffect = overrides.find((row) => row.effectiveFrom <= call.at);
    const override = inEffect?.price ? { ...inEffect, price: inEffect.price } : null;
    const catalog = await catalogPrice({ provider, model, at: call.at });
    const contextWindow = catalog?.contextWindow ?? null;
    if (override) {
      return {
        provider,
        model,
        source: "override",
        price: override.price,
        effectiveFrom: override.effectiveFrom,
        contextWindow,
      };
    }
    if (catalog)
      return { provider, model, source: "catalog", price: catalog.price, effectiveFrom: null, contextWindow };
    if (this.fallbackPrice) {
      return {
        provider,
        model,
        source: "fallback",
        price: this.fallbackPrice,
        effectiveFrom: null,
        contextWindow: null,
      };
    }
    return null;
  }

  /** Sets a model's price from `effectiveFrom` (default now) on; earlier usage keeps its price. */
  async setPrice(input: {
    provider: string;
    model: string;
    price: ModelPrice;
    effectiveFrom?: Date;
    reason?: string;
  }): Promise<PriceOverride & { price: ModelPrice }> {
    validateModelPrice(input.price);
    const row = await this.#insert(input);
    return { ...row, price: input.price };
  }

  /**
   * Clears the model's override from `effectiveFrom` (default now) on: the catalog (or the
   * fallback) prices it again, and overrides scheduled later still take effect when due. A row
   * of its own (price null), as every change is: earlier usage keeps its price. Throws a
   * RangeError when no override is in effect then (nothing to clear).
   *
   * @example
   * await book.clearPrice({ provider: "openai", model: "gpt-4o", reason: "back to list price" });
   */
  async clearPrice(input: {
    provider: string;
    model: string;
    effectiveFrom?: Date;
    reason?: string;
  }): Promise<PriceOverride> {
    const { provider, model } = normalizeModel(input);
    const effectiveFrom = input.effectiveFrom ?? this.clock();
    const inEffect = (await this.#overrides(provider, model)).find((row) => row.effectiveFrom <= effectiveFrom);
    if (!inEffect?.price) {
      throw new RangeError(`${provider}/${model} has no override in effect at ${effectiveFrom.toISOString()} to clear`);
    }
    return this.#insert({ ...input, price: null });
  }

  /**
   * Every model with an override row (cleared ones too), in provider then model order, those
   * whose "provider/model" contains `search` (lower case) when given; at most OVERRIDDEN_MODELS_MAX.
   */
  async overriddenModels(options: { search?: string } = {}): Promise<Array<{ provider: string; model: string }>> {
    return this.sql.query<{ provider: string; model: string }>(
      `select distinct provider, model from model_prices
       where $1::text is null or strpos(provider || '/' || model, $1) > 0
       order by provider, model limit $2`,
      [options.search?.toLowerCase() ?? null, OVERRIDDEN_MODELS_MAX],
    );
  }

  async #insert(input: {
    provider: string;
    model: string;
    price: ModelPrice | null;
    effectiveFrom?: Date;
    reason?: string;
  }): Promise<PriceOverride> {
    const { provider, model } = normalizeModel(input);
    const now = this.clock();
    const effectiveFrom = input.effectiveFrom ?? now;
    if (Number.isNaN(effectiveFrom.getTime())) throw new RangeError("effectiveFrom is not a valid time");
    if (effectiveFrom.getTime() < now.getTime() - BACKDATING_TOLERANCE_MS) {
      throw new RangeError("a price cannot take effect in the past: usage already charged keeps its price");
    }
    const row = await this.sql.transaction(async (tx) => {
      // JSON null, not SQL null: the column stays not null, and a cleared override reads back as null.
      const [inserted] = await tx.query<{ created_at: Date }>(
        `insert into model_prices (provider, model, effective_from, prices, reason) values ($1, $2, $3, $4, $5)
         on conflict (provider, model, effective_from) do nothing returning created_at`,
        [provider, model, effectiveFrom.toISOString(), JSON.stringify(input.price), input.reason ?? null],
      );
      if (!inserted)
        throw new RangeError(`${provider}/${model} already has a price from ${effectiveFrom.toISOString()}`);
      await notify(tx, CHANNEL, `${provider}/${model}`);
      return inserted;
    });
    this.#invalidate(`${provider}/${model}`);
    return {
      provider,
      model,
      effectiveFrom,
      price: input.price,
      reason: input.reason ?? null,
      createdAt: row.created_at,
    };
  }

  /** A model's overrides, newest first. */
  async overrides(call: { provider: string; model: string }): Promise<PriceOverride[]> {
    const { provider, model } = normalizeModel(call);
    return [...(await this.#overrides(provider, model))];
  }

  async close(): Promise<void> {
    await this.#stopListening?.();
    this.#stopListening = null;
  }

  async #overrides(provider: string, model: string): Promise<PriceOverride[]> {
    const key = `${provider}/${model}`;
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const generation = this.#generation;
    const rows = await this.sql.query<{
      effective_from: Date;
      prices: ModelPrice | null;
      reason: string | null;
      created_at: Date;
    }>(
      `select effective_from, prices, reason, created_at from model_prices
       where provider = $1 and model = $2 order by effective_from desc`,
      [provider, model],
    );
    const overrides = rows.map((row) => ({
      provider,
      model,
      effectiveFrom: row.effective_from,
      price: row.prices,
      reason: row.reason,
      createdAt: row.created_at,
    }));
    // A change that landed while this was loading must not be cached over.
    if (generation === this.#generation) this.#cache.set(key, overrides);
    return overrides;
  }

  #invalidate(key: string | null): void {
    this.#generation++;
    if (key === null) this.#cache.clear();
    else this.#cache.delete(key);
  }
}

/** Providers and models are case-insensitive: stored and matched in lower case. */
export function normalizeModel(call: { provider: string; model: string }): { provider: string; model: string } {
  const provider = call.provider.trim().toLowerCase();
  const model = call.model.trim().toLowerCase();
  if (!PROVIDER.test(provider))
    throw new RangeError(`"${call.provider}" is not a provider id (e.g. openai, openrouter)`);
  if (model.length === 0 || model.length > 200) throw new RangeError("a model id has 1 to 200 characters");
  return { provider, model };
}

/**
 * The name a plan's `models` rule matches: `provider/model`, lower case, as `normalizeModel`
 * leaves them (a model through OpenRouter is "openrouter/openai/gpt-4o").
 *
 * @example
 * planModelId({ provider: "OpenAI", model: "GPT-4o" }); // "openai/gpt-4o"
 */
export function planModelId(call: { provider: string; model: string }): string {
  const { provider, model } = normalizeModel(call);
  return `${provider}/${model}`;
}
