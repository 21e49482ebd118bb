import type { Client } from "openapi-fetch";
import type { BodyOf, CallOptions, QueryOf } from "./api-types.ts";
import type { paths } from "./generated/openapi.ts";

/** An account: its `acct_…` id, or `type:externalId` (`user:alice`, `organization:acme`). */
export type AccountRef = string;

type Api = Client<paths>;

/**
 * The named methods for the main resources, each one route of the API (see `api` for the
 * rest). Reads resolve the answer's body; writes take `CallOptions` (an idempotency key of the
 * app's own). Every refused answer throws `TollgateError`.
 */
export function apiResources(api: Api) {
  const account = (ref: AccountRef) => ({ path: { account: ref } });
  const write = (options: CallOptions = {}) => ({
    ...(options.idempotencyKey === undefined ? {} : { headers: { "idempotency-key": options.idempotencyKey } }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return {
    accounts: {
      /** Create, or return the existing one (by type and external id). */
      upsert: async (body: BodyOf<"/v1/accounts", "post">, options?: CallOptions) =>
        dataOf(await api.POST("/v1/accounts", { body, ...write(options) })),
      get: async (ref: AccountRef) => dataOf(await api.GET("/v1/accounts/{account}", { params: account(ref) })),
      list: async (query: QueryOf<"/v1/accounts", "get"> = {}) =>
        dataOf(await api.GET("/v1/accounts", { params: { query } })),
      stats: async (ref: AccountRef) => dataOf(await api.GET("/v1/accounts/{account}/stats", { params: account(ref) })),
      usage: async (ref: AccountRef, query: QueryOf<"/v1/accounts/{account}/usage", "get"> = {}) =>
        dataOf(await api.GET("/v1/accounts/{account}/usage", { params: { ...account(ref), query } })),
      conversation: async (ref: AccountRef, conversation: string) =>
        dataOf(
          await api.GET("/v1/accounts/{account}/conversations/{conversation}", {
            params: { path: { account: ref, conversation } },
          }),
        ),
    },
    balances: {
      /** Balance, held, available and debt per unit, with the live lots. */
      list: async (ref: AccountRef, query: QueryOf<"/v1/accounts/{account}/balances", "get"> = {}) =>
        (await dataOf(await api.GET("/v1/accounts/{account}/balances", { params: { ...account(ref), query } }))).data,
    },
    grants: {
      create: async (ref: AccountRef, body: BodyOf<"/v1/accounts/{account}/grants", "post">, options?: CallOptions) =>
        dataOf(await api.POST("/v1/accounts/{account}/grants", { params: account(ref), body, ...write(options) })),
    },
    deductions: {
      create: async (
        ref: AccountRef,
        body: BodyOf<"/v1/accounts/{account}/deductions", "post">,
        options?: CallOptions,
      ) =>
        dataOf(await api.POST("/v1/accounts/{account}/deductions", { params: account(ref), body, ...write(options) })),
    },
    charges: {
      /** A fixed amount with a reason, or a feature's cost. */
      create: async (body: BodyOf<"/v1/charges", "post">, options?: CallOptions) =>
        dataOf(await api.POST("/v1/charges", { body, ...write(options) })),
    },
    /** Can the account afford this feature or model call, and why not (writes nothing). */
    check: async (body: BodyOf<"/v1/check", "post">) => dataOf(await api.POST("/v1/check", { body })),
    holds: {
      create: async (body: BodyOf<"/v1/holds", "post">, options?: CallOptions) =>
        dataOf(await api.POST("/v1/holds", { body, ...write(options) })),
      /** Charge what the call cost: less than held releases the rest. */
      capture: async (hold: string, body: BodyOf<"/v1/holds/{hold}/settle", "post">, options?: CallOptions) =>
        dataOf(await api.POST("/v1/holds/{hold}/settle", { params: { path: { hold } }, body, ...write(options) })),
      release: async (hold: string, options?: CallOptions) =>
        dataOf(await api.POST("/v1/holds/{hold}/release", { params: { path: { hold } }, ...write(options) })),
    },
    usageEvents: {
      /** A model call's usage: priced, charged (or its hold settled) and recorded. */
      record: async (body: BodyOf<"/v1/usage-events", "post">, options?: CallOptions) =>
        dataOf(await api.POST("/v1/usage-events", { body, ...write(options) })),
      recordBatch: async (body: BodyOf<"/v1/usage-events/batch", "post">, options?: CallOptions) =>
        dataOf(await api.POST("/v1/usage-events/batch", { body, ...write(options) })),
    },
    transactions: {
      /** The account's entries, newest first; page on with `before: nextCursor`. */
      list: async (ref: AccountRef, query: QueryOf<"/v1/accounts/{account}/transactions", "get"> = {}) =>
        dataOf(await api.GET("/v1/accounts/{account}/transactions", { params: { ...account(ref), query } })),
    },
    prices: {
      get: async (provider: string, model: string) =>
        dataOf(await api.GET("/v1/prices/{provider}/{model}", { params: { path: { provider, model } } })),
      set: async (
        provider: string,
        model: string,
        body: BodyOf<"/v1/prices/{provider}/{model}", "post">,
        options?: CallOptions,
      ) =>
        dataOf(
          await api.POST("/v1/prices/{provider}/{model}", {
            params: { path: { provider, model } },
            body,
            ...write(options),
          }),
        ),
    },
    plans: {
      list: async () => dataOf(await api.GET("/v1/plans")),
    },
    packs: {
      list: async () => dataOf(await api.GET("/v1/packs")),
      grant: async (ref: AccountRef, pack: string, options?: CallOptions) =>
        dataOf(
          await api.POST("/v1/accounts/{account}/packs", { params: account(ref), body: { pack }, ...write(options) }),
        ),
    },
    subscriptions: {
      get: async (ref: AccountRef) =>
        dataOf(await api.GET("/v1/accounts/{account}/subscription", { params: account(ref) })),
      create: async (ref: AccountRef, plan: string, options?: CallOptions) =>
        dataOf(
          await api.POST("/v1/accounts/{account}/subscription", {
            params: account(ref),
            body: { plan },
            ...write(options),
          }),
        ),
      change: async (ref: AccountRef, plan: string, options?: CallOptions) =>
        dataOf(
          await api.POST("/v1/accounts/{account}/subscription/change", {
            params: account(ref),
            body: { plan },
            ...write(options),
          }),
        ),
      cancel: async (ref: AccountRef, options?: CallOptions) =>
        dataOf(
          await api.POST("/v1/accounts/{account}/subscription/cancel", { params: account(ref), ...write(options) }),
        ),
    },
    keys: {
      /** A customer token for one account (or, with an admin key, a secret key); its token is shown once. */
      create: async (body: BodyOf<"/v1/keys", "post">, options?: CallOptions) =>
        dataOf(await api.POST("/v1/keys", { body, ...write(options) })),
      list: async (query: QueryOf<"/v1/keys", "get"> = {}) => dataOf(await api.GET("/v1/keys", { params: { query } })),
      revoke: async (keyId: string, options?: CallOptions) =>
        dataOf(await api.POST("/v1/keys/{keyId}/revoke", { params: { path: { keyId } }, ...write(options) })),
    },
    webhooks: {
      /** Register an endpoint; its signing secret is in this answer only. */
      create: async (body: BodyOf<"/v1/webhook-endpoints", "post">, options?: CallOptions) =>
        dataOf(await api.POST("/v1/webhook-endpoints", { body, ...write(options) })),
      list: async (query: QueryOf<"/v1/webhook-endpoints", "get"> = {}) =>
        dataOf(await api.GET("/v1/webhook-endpoints", { params: { query } })),
      disable: async (endpoint: string, options?: CallOptions) =>
        dataOf(
          await api.POST("/v1/webhook-endpoints/{endpoint}/disable", {
            params: { path: { endpoint } },
            ...write(options),
          }),
        ),
    },
  };
}

export type ApiResources = ReturnType<typeof apiResources>;

/**
 * openapi-fetch's `{ data }`: the fetch under it throws on every refused answer, so a missing
 * `data` is an answer without a JSON body, which no `/v1` route sends.
 */
function dataOf<T>(result: { data?: T; response: Response }): T {
  if (result.data === undefined) {
    throw new TypeError(`${result.response.status} from ${result.response.url}: the answer has no JSON body`);
  }
  return result.data;
}
