/**
 * The few calls the components make, over `fetch`. Kept behind this one interface so that it
 * can be swapped for the generated `@tollgate/sdk` client without touching a component.
 */
export interface TollgateApi {
  /** GET a `/v1/…` path: the parsed JSON, or a `TollgateApiError`. */
  get<T>(path: string, options?: { signal?: AbortSignal }): Promise<T>;
  /** POST JSON to a `/v1/…` path (with an `Idempotency-Key`, as every write needs). */
  post<T>(path: string, body: unknown, options?: { signal?: AbortSignal }): Promise<T>;
  /** Opens a `text/event-stream` path: the response, whose body the caller reads. */
  stream(path: string, options: { signal: AbortSignal }): Promise<Response>;
}

/** An error answer from Tollgate: its `code` (public API, docs/reference/errors.md) and status. */
export class TollgateApiError extends Error {
  override readonly name = "TollgateApiError";
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly requestId: string | null,
    /** The error's `details` (e.g. `{ reason: "conversation_not_found" }`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** Worth trying again later: the server was busy, unavailable or rate limiting. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/**
 * The API of the Tollgate at `baseUrl` as the holder of `token` (a customer token, `tg_ct_…`,
 * in a browser) sees it.
 *
 * @example
 * const api = createTollgateApi({ baseUrl: "https://billing.example.com", token });
 * await api.get("/v1/accounts/user:alice/balances");
 */
export function createTollgateApi(options: { baseUrl: string; token: string; fetch?: typeof fetch }): TollgateApi {
  const base = options.baseUrl.replace(/\/+$/, "");
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const headers = { Authorization: `Bearer ${options.token}` };

  const send = async (path: string, init: RequestInit): Promise<Response> => {
    const response = await fetchImpl(`${base}${path}`, init);
    if (response.ok) return response;
    throw await errorOf(response);
  };

  return {
    async get<T>(path: string, init: { signal?: AbortSignal } = {}) {
      const response = await send(path, { headers, ...(init.signal ? { signal: init.signal } : {}) });
      return (await response.json()) as T;
    },
    async post<T>(path: string, body: unknown, init: { signal?: AbortSignal } = {}) {
      const response = await send(path, {
        method: "POST",
        headers: { ...headers, "Content-Type": "application/json", "Idempotency-Key": idempotencyKey() },
        body: JSON.stringify(body),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      return (await response.json()) as T;
    },
    stream(path: string, init: { signal: AbortSignal }) {
      return send(path, { headers: { ...headers, Accept: "text/event-stream" }, signal: init.signal });
    },
  };
}

async function errorOf(response: Response): Promise<TollgateApiError> {
  let requestId = response.headers.get("x-request-id");
  let code = "http_error";
  let message = `Tollgate answered ${response.status}`;
  let details: Record<string, unknown> = {};
  try {
    const body = (await response.json()) as {
      error?: { code?: string; message?: string; requestId?: string; details?: Record<string, unknown> };
    };
    if (body.error?.details) details = body.error.details;
    if (body.error?.code) code = body.error.code;
    if (body.error?.requestId) requestId = body.error.requestId;
    if (body.error?.message) message = body.error.message;
  } catch {
    // Not a Tollgate error body (a proxy's HTML page, say): the status says what there is.
  }
  return new TollgateApiError(message, response.status, code, requestId, details);
}

/** A fresh key per write: a retry of the same call is the caller's to make with the same key. */
function idempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

/** `/v1/accounts/{account}` with the account encoded (`user:alice` carries a colon). */
export function accountPath(account: string, rest = ""): string {
  return `/v1/accounts/${encodeURIComponent(account)}${rest}`;
}
