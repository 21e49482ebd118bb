import { type TollgateApi, TollgateApiError } from "@tollgate/react";
import { sessionCsrfToken } from "./tollgate-api.ts";

/**
 * The client `@tollgate/react`'s components use inside the dashboard: the same calls as the
 * built-in one, authenticated by the session cookie (and its CSRF token on writes) instead of a
 * customer token, so the dashboard shows an account's badge and usage with the very components
 * an app embeds, live over the same events stream.
 *
 * @example
 * <TollgateProvider baseUrl="" token="" account="user:alice" api={sessionTollgateApi}>
 *   <BalanceBadge />
 * </TollgateProvider>
 */
export const sessionTollgateApi: TollgateApi = {
  async get<T>(path: string, options: { signal?: AbortSignal } = {}) {
    return (await send(path, { headers: { Accept: "application/json" }, ...signalOf(options) })).json() as T;
  },
  async post<T>(path: string, body: unknown, options: { signal?: AbortSignal } = {}) {
    const headers: Record<string, string> = {
      Accept: "application/json",
      "Content-Type": "application/json",
      "Idempotency-Key": crypto.randomUUID(),
    };
    const csrf = sessionCsrfToken();
    if (csrf) headers["X-CSRF-Token"] = csrf;
    const init = { method: "POST", headers, body: JSON.stringify(body), ...signalOf(options) };
    return (await send(path, init)).json() as T;
  },
  stream(path: string, options: { signal: AbortSignal }) {
    return send(path, { headers: { Accept: "text/event-stream" }, signal: options.signal });
  },
};

const signalOf = (options: { signal?: AbortSignal }) => (options.signal ? { signal: options.signal } : {});

async function send(path: string, init: RequestInit): Promise<Response> {
  const response = await fetch(path, { ...init, credentials: "same-origin" });
  if (response.ok) return response;
  const json = (await response.json().catch(() => null)) as {
    error?: { code?: string; message?: string; requestId?: string; details?: Record<string, unknown> };
  } | null;
  const error = json?.error ?? {};
  throw new TollgateApiError(
    error.message ?? `Tollgate answered ${response.status}`,
    response.status,
    error.code ?? "http_error",
    error.requestId ?? response.headers.get("x-request-id"),
    error.details ?? {},
  );
}
