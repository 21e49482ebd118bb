// The calls of the prices, plans, packs and subscriptions pages and of the account page's holds,
// conversations and members: the same HTTP API, through the one `call` of tollgate-api.ts.
import { call, type Page, type UsageRow } from "./tollgate-api.ts";

/** A price per usage type: a decimal string, or a base with tiers by input size. */
export type PriceValue = string | { base: string; tiers: Array<{ start: number; price: string }> };
export type ModelPrice = Record<string, PriceValue>;

/** One model of `GET /v1/prices`. */
export interface ListedPrice {
  provider: string;
  model: string;
  name: string | null;
  inCatalog: boolean;
  overridden: boolean;
  source: "override" | "catalog" | "fallback" | null;
  effectiveFrom: string | null;
  price: ModelPrice | null;
}

/** `GET /v1/prices/{provider}/{model}`: the price in effect and the deployment's overrides. */
export interface PriceInEffect {
  provider: string;
  model: string;
  source: "override" | "catalog" | "fallback";
  effectiveFrom: string | null;
  catalogModel: string | null;
  contextWindow: number | null;
  price: ModelPrice;
  overrides: Array<{
    effectiveFrom: string;
    status: "scheduled" | "in_effect" | "superseded";
    price: ModelPrice | null;
    reason: string | null;
    createdAt: string;
  }>;
}

export interface DisplayPrice {
  amount: string;
  currency: string;
}

export interface AccessRule {
  allow: string[] | null;
  deny: string[];
}

export interface Plan {
  id: string;
  name: string;
  version: number;
  price: DisplayPrice | null;
  stripePriceId: string | null;
  stripeLookupKey: string | null;
  period: { every: string; anchor: string; timeZone: string };
  allocations: Array<{ unit: string; amount: string; renewal: string; rolloverCap: string | null }>;
  models: AccessRule;
  features: AccessRule;
  overage: { policy: "block" | "allow"; unit?: string; limit?: string };
  markup: string | null;
  downgrade: string;
  cancel: string;
}

export interface PlanDetail extends Plan {
  versions: Array<{ version: number; createdAt: string; subscribers: number }>;
}

export interface Pack {
  id: string;
  name: string;
  unit: string;
  amount: string;
  bonusPercent: string;
  lotAmount: string;
  expiresInMs: number | null;
  price: DisplayPrice | null;
  stripePriceId: string | null;
  stripeLookupKey: string | null;
}

export interface ListedSubscription {
  id: string;
  accountId: string;
  plan: string;
  planVersion: number;
  status: "active" | "past_due" | "canceled";
  periodStart: string;
  periodEnd: string;
  cancelAtPeriodEnd: boolean;
  pendingChange: { plan: string; planVersion: number } | null;
  account: { id: string; type: string; externalId: string };
}

export interface ActiveHold {
  holdId: string;
  unit: string;
  amount: string;
  member: string | null;
  expiresAt: string;
  createdAt: string;
}

export interface MemberLimit {
  unit: string;
  cap: string | null;
  spent: string;
  held: string;
  remaining: string | null;
}

export interface Member {
  member: string;
  memberId: string;
  addedAt: string;
  limits: MemberLimit[];
}

const accountPath = (account: string) => `/v1/accounts/${encodeURIComponent(account)}`;
const pricePath = (provider: string, model: string) =>
  `/v1/prices/${encodeURIComponent(provider)}/${encodeURIComponent(model)}`;
const query = (fields: Record<string, string | null | undefined>) => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) if (value) params.set(name, value);
  return params.toString();
};

/** The catalog pages' calls. Each resolves with the API's JSON or rejects with an `ApiFailure`. */
export const catalogApi = {
  prices: (options: { search?: string; after?: string | null }) =>
    call<Page<ListedPrice>>(
      "GET",
      `/v1/prices?${query({ limit: "25", search: options.search, after: options.after })}`,
    ),
  price: (provider: string, model: string) => call<PriceInEffect>("GET", pricePath(provider, model)),
  setPrice: (provider: string, model: string, body: { price: ModelPrice; reason?: string }) =>
    call<unknown>("POST", pricePath(provider, model), body),
  clearPrice: (provider: string, model: string, reason?: string) =>
    call<unknown>("DELETE", `${pricePath(provider, model)}${reason ? `?${query({ reason })}` : ""}`),
  plans: () => call<Page<Plan>>("GET", "/v1/plans?limit=100"),
  plan: (plan: string) => call<PlanDetail>("GET", `/v1/plans/${encodeURIComponent(plan)}`),
  packs: () => call<Page<Pack>>("GET", "/v1/packs?limit=100"),
  subscriptions: (options: { plan?: string; status?: string; after?: string | null }) =>
    call<Page<ListedSubscription>>(
      "GET",
      `/v1/subscriptions?${query({ limit: "25", plan: options.plan, status: options.status, after: options.after })}`,
    ),
  holds: (account: string, after?: string | null) =>
    call<Page<ActiveHold>>("GET", `${accountPath(account)}/holds?${query({ limit: "20", after })}`),
  conversations: (account: string) =>
    call<{ data: UsageRow[] }>("GET", `${accountPath(account)}/usage?groupBy=conversation&limit=20`),
  members: (account: string, after?: string | null) =>
    call<Page<Member>>("GET", `${accountPath(account)}/members?${query({ limit: "20", after })}`),
};
