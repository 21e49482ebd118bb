import createClient, { type Client } from "openapi-fetch";
import type { paths } from "./generated/openapi.ts";
import { type ApiResources, apiResources } from "./resources.ts";
import { DEFAULT_BACKOFF, type RetryBackoff } from "./retry-policy.ts";
import { type FetchLike, retryingFetch } from "./retrying-fetch.ts";
import { type TokenHelpers, tokenHelpers } from "./token-helpers.ts";

export { TollgateError } from "./tollgate-error.ts";

/**
 * The typed client apps use to talk to a Tollgate server, over its HTTP API only. Every route
 * is typed from the server's own OpenAPI document (`api`), and the main resources have named
 * methods; every call retries what is safe to retry and throws a `TollgateError` when refused.
 *
 * @example
 * const tollgate = createTollgateClient({ baseUrl: "http://127.0.0.1:8787", secretKey: process.env.TOLLGATE_SECRET_KEY });
 * await tollgate.charges.create({ account: "user:alice", feature: "generate_goal" });
 * const { data } = await tollgate.api.GET("/v1/accounts/{account}/usage", {
 *   params: { path: { account: "user:alice" }, query: { groupBy: "model" } },
 * });
 */
export interface TollgateClientOptions {
  baseUrl: string;
  /** A secret key (tg_sk_…) for the app's backend. */
  secretKey?: string;
  /** Or a customer token (tg_ct_…): one account's own reads, as a browser holds it. */
  customerToken?: string;
  /** Defaults to the global fetch; tests pass `app.request`. */
  fetch?: FetchLike;
  /** Retries after the first attempt of a request that is safe to send again; default 2. */
  maxRetries?: number;
  /** Per attempt, until the answer's headers arrive; default 10 s. */
  timeoutMs?: number;
  /** The retries' delays (exponential with jitter); default 500 ms doubling to at most 5 s. */
  backoff?: Partial<RetryBackoff>;
}

/** Every `/v1` route by path and method, typed; a refused answer throws `TollgateError`. */
export type TollgateApi = Client<paths>;

export interface TollgateClient extends ApiResources, TokenHelpers {
  /** Every route of the API, typed from its OpenAPI document (openapi-fetch). */
  api: TollgateApi;
  /** The process is up. */
  health(): Promise<{ status: "ok" }>;
  /** The process is up and its database answers. */
  ready(): Promise<{ status: "ready" }>;
}

export function createTollgateClient(options: TollgateClientOptions): TollgateClient {
  if (options.secretKey && options.customerToken) {
    throw new TypeError("createTollgateClient: give a secretKey or a customerToken, not both");
  }
  const maxRetries = options.maxRetries ?? 2;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError(`createTollgateClient: maxRetries must be a whole number ≥ 0; got ${maxRetries}`);
  }
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const send = retryingFetch({
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    bearer: options.secretKey ?? options.customerToken,
    maxRetries,
    timeoutMs: options.timeoutMs ?? 10_000,
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
  });
  const api = createClient<paths>({ baseUrl, fetch: send });
  const get = async <T>(path: string): Promise<T> =>
    (await (await send(new Request(`${baseUrl}${path}`, { headers: { accept: "application/json" } }))).json()) as T;
  const resources = apiResources(api);
  return {
    api,
    ...resources,
    ...tokenHelpers(resources),
    health: () => get("/healthz"),
    ready: () => get("/readyz"),
  };
}
