import type { BodyOf, CallOptions } from "./api-types.ts";
import { shiftDecimal } from "./decimal-shift.ts";
import type { AccountRef, ApiResources } from "./resources.ts";
import { TollgateError } from "./tollgate-error.ts";

/** What `deductTokens` answers, as the seed apps' helper did: refused credits are not thrown. */
export interface DeductResult {
  success: boolean;
  /** The unit's available balance after the charge (or now, when refused), a decimal string. */
  remainingBalance: string | null;
  message: string;
}

/**
 * The calls every seed app wrote by hand against its own tables, as one line each over the
 * API. Amounts are decimal strings in their unit's scale (never floats). An account is its
 * `acct_…` id or `type:externalId`.
 */
export function tokenHelpers(resources: ApiResources) {
  // An account Tollgate has not seen yet (a user who just signed up) holds nothing: not an error.
  const balancesOf = (account: AccountRef, unit?: string) =>
    resources.balances.list(account, unit === undefined ? {} : { unit }).catch((error: unknown) => {
      if (error instanceof TollgateError && error.code === "not_found") return [];
      throw error;
    });
  const availableOf = async (account: AccountRef, unit: string) =>
    (await balancesOf(account, unit))[0]?.available ?? "0";
  return {
    /** Whether the account can afford the feature now (its plan, its members' caps included). */
    async hasEnoughTokens(account: AccountRef, feature: string, options: { member?: string } = {}): Promise<boolean> {
      return (await resources.check({ account, feature, ...options })).allowed;
    },

    /**
     * Charges the feature's cost and records its usage event; insufficient credits is an
     * answer (`success: false`), not an exception. Sent once even when retried.
     */
    async deductTokens(
      account: AccountRef,
      feature: string,
      options: { member?: string; metadata?: Record<string, unknown>; conversationId?: string } & CallOptions = {},
    ): Promise<DeductResult> {
      const { idempotencyKey, signal, ...body } = options;
      try {
        const charge = await resources.charges.create(
          { account, feature, ...body },
          { ...(idempotencyKey === undefined ? {} : { idempotencyKey }), ...(signal === undefined ? {} : { signal }) },
        );
        return {
          success: true,
          remainingBalance: charge.available,
          message: `Charged ${charge.amount} ${charge.unit} for ${feature}`,
        };
      } catch (error) {
        if (!(error instanceof TollgateError) || error.code !== "insufficient_credits") throw error;
        const available = error.details.available;
        return {
          success: false,
          remainingBalance: typeof available === "string" ? available : null,
          message: error.message,
        };
      }
    },

    /**
     * The available balance of one unit: `unit`, or the account's one unit when it holds one
     * ("0" when it holds none, or Tollgate has not seen it yet). Several units and no `unit` is a TypeError: which one is meant?
     */
    async getTokenBalance(account: AccountRef, unit?: string): Promise<string> {
      if (unit !== undefined) return availableOf(account, unit);
      const balances = await balancesOf(account);
      if (balances.length > 1) {
        throw new TypeError(
          `getTokenBalance: ${account} holds ${balances.map((balance) => balance.unit).join(", ")}; name the unit`,
        );
      }
      return balances[0]?.available ?? "0";
    },

    /** Every unit's available balance: `{ credits: "120", usd: "4.50" }` (`{}` for an unknown account). */
    async getAllTokenBalances(account: AccountRef): Promise<Record<string, string>> {
      const balances = await balancesOf(account);
      return Object.fromEntries(balances.map((balance) => [balance.unit, balance.available]));
    },

    /** Balance, used and allocated per unit and in total, and the next refresh date. */
    getTokenStats: (account: AccountRef) => resources.accounts.stats(account),

    /**
     * A model call's usage, priced by the server (a failed call, `success: false`, is recorded
     * and charged nothing).
     */
    trackTokenUsage: (event: BodyOf<"/v1/usage-events", "post">, options?: CallOptions) =>
      resources.usageEvents.record(event, options),

    /**
     * A new user's starting credits: a `signup` grant, at most once per account and unit (its
     * idempotency key is derived from both, so calling it again on every sign-in is harmless
     * while the server keeps the key: its idempotency retention).
     */
    initializeUserBalance: (
      account: AccountRef,
      amount: string,
      options: { unit?: string; expiresIn?: string; idempotencyKey?: string } = {},
    ) =>
      resources.grants.create(
        account,
        {
          amount,
          source: "signup",
          ...(options.unit === undefined ? {} : { unit: options.unit }),
          ...(options.expiresIn === undefined ? {} : { expiresIn: options.expiresIn }),
        },
        { idempotencyKey: options.idempotencyKey ?? `initialize-balance:${account}:${options.unit ?? ""}` },
      ),

    /**
     * A model's price from now on, in USD per 1,000 tokens as the seed's helper took it (decimal
     * strings): stored per million tokens. Past usage keeps the price it was charged.
     */
    updateModelPricing: (
      model: string,
      provider: string,
      inputPer1k: string,
      outputPer1k: string,
      options: { reason?: string } & CallOptions = {},
    ) => {
      const { reason, ...call } = options;
      return resources.prices.set(
        provider,
        model,
        {
          price: { input_mtok: shiftDecimal(inputPer1k, 3), output_mtok: shiftDecimal(outputPer1k, 3) },
          ...(reason === undefined ? {} : { reason }),
        },
        call,
      );
    },
  };
}

export type TokenHelpers = ReturnType<typeof tokenHelpers>;
