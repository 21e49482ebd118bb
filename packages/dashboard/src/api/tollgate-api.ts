// Every call the dashboard makes, in one module: the HTTP API with the session cookie, so the
// pages never build a URL or a header themselves. @tollgate/sdk can take this module's place
// once the dashboard may import it (its calls are the same routes).

/** A failed call, as the API's one error body says it (`{ error: { code, message } }`). */
export class ApiFailure extends Error {
  override readonly name = "ApiFailure";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Session {
  keyId: string;
  admin: boolean;
  /** When the session ends: its 12 hours, or its key's expiry if sooner (null from older servers). */
  expiresAt: string | null;
  csrfToken: string;
}

export interface Lot {
  id: string;
  source: string;
  priority: number;
  remaining: string;
  held: string;
  expiresAt: string | null;
  createdAt: string;
}

export interface Balance {
  unit: string;
  balance: string;
  held: string;
  available: string;
  debt: string;
  lots: Lot[];
}

export interface Account {
  id: string;
  type: "user" | "organization" | "guest";
  externalId: string;
  createdAt: string;
}

export interface ListedAccount extends Account {
  balances: Balance[];
}

export interface TransactionLine {
  entryId: string;
  transactionId: string;
  kind: string;
  unit: string;
  amount: string;
  balanceBefore: string;
  balanceAfter: string;
  reason: string | null;
  model: string | null;
  feature: string | null;
  createdAt: string;
}

export interface ReconcileReport {
  ok: boolean;
  checkedAt: string;
  summary: { accounts: number; units: number; transactions: number; activeHolds: number; lotsDueToExpire: number };
}

/** One group of a usage report (`GET /v1/accounts/{account}/usage`). */
export interface UsageRow {
  key: string | null;
  unit: string;
  calls: number;
  charged: string;
  providerCostUsd: string | null;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

let csrfToken: string | null = null;

/** The session's CSRF token, for a write made outside `call` (the shared components' client). */
export function sessionCsrfToken(): string | null {
  return csrfToken;
}

/** One call of the HTTP API with the session cookie (and its CSRF token on writes); other api modules build on it. */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  // Every write carries a key of its own, so a retried click is answered once.
  if (method === "POST" && path.startsWith("/v1/")) headers["Idempotency-Key"] = crypto.randomUUID();
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return undefined as T;
  const json = await response.json().catch(() => null);
  if (!response.ok) {
    const error = json?.error ?? {};
    throw new ApiFailure(response.status, error.code ?? "internal", error.message ?? response.statusText);
  }
  return json as T;
}

const accountPath = (account: string) => `/v1/accounts/${encodeURIComponent(account)}`;

/** The dashboard's calls. Each resolves with the API's JSON or rejects with an `ApiFailure`. */
export const api = {
  async session(): Promise<Session> {
    const session = await call<Session>("GET", "/session");
    csrfToken = session.csrfToken;
    return session;
  },
  async signIn(key: string): Promise<Session> {
    const session = await call<Session>("POST", "/session", { key });
    csrfToken = session.csrfToken;
    return session;
  },
  async signOut(): Promise<void> {
    await call<void>("DELETE", "/session");
    csrfToken = null;
  },
  reconcile: () => call<ReconcileReport>("GET", "/v1/reconcile"),
  accounts: (options: { search?: string; after?: string | null }) => {
    const query = new URLSearchParams({ limit: "25" });
    if (options.search) query.set("search", options.search);
    if (options.after) query.set("after", options.after);
    return call<Page<ListedAccount>>("GET", `/v1/accounts?${query}`);
  },
  account: (account: string) => call<Account>("GET", accountPath(account)),
  balances: (account: string) => call<{ data: Balance[] }>("GET", `${accountPath(account)}/balances`),
  transactions: (account: string, before?: string | null) =>
    call<Page<TransactionLine>>(
      "GET",
      `${accountPath(account)}/transactions?limit=50${before ? `&before=${encodeURIComponent(before)}` : ""}`,
    ),
  usage: (account: string, options: { groupBy: "model" | "feature" | "day"; from: string }) =>
    call<{ data: UsageRow[] }>(
      "GET",
      `${accountPath(account)}/usage?groupBy=${options.groupBy}&from=${encodeURIComponent(options.from)}`,
    ),
  grant: (account: string, body: { amount: string; unit?: string; reason: string; expiresIn?: string }) =>
    call<{ transactionId: string; balance: string }>("POST", `${accountPath(account)}/grants`, {
      ...body,
      source: "admin",
    }),
  deduct: (account: string, body: { amount: string; unit?: string; reason: string }) =>
    call<{ transactionId: string; balance: string }>("POST", `${accountPath(account)}/deductions`, body),
  /** The account's live balances (Server-Sent Events): the cookie goes with it, as with every call. */
  balanceEvents: (account: string) => new EventSource(`${accountPath(account)}/events`, { withCredentials: true }),
};
