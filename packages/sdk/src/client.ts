/**
 * The typed client apps use to talk to a Tollgate server. It sees only the HTTP API; the
 * resource methods (/v1 accounts, holds, charges…) arrive with the API itself.
 *
 * @example
 * const tollgate = createTollgateClient({ baseUrl: "http://127.0.0.1:8787" });
 * await tollgate.health(); // { status: "ok" }
 */
export interface TollgateClientOptions {
  baseUrl: string;
  /** A secret key for the app's backend (used by the /v1 API). */
  secretKey?: string;
  /** Defaults to the global fetch; tests pass `app.request`. */
  fetch?: (input: string, init?: RequestInit) => Promise<Response> | Response;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

/** An error answer from the server, with its public code and request id. */
export class TollgateError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
    this.name = "TollgateError";
  }
}

export interface TollgateClient {
  /** The process is up. */
  health(): Promise<{ status: "ok" }>;
  /** The process is up and its database answers. */
  ready(): Promise<{ status: "ready" }>;
}

export function createTollgateClient(options: TollgateClientOptions): TollgateClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function get<T>(path: string): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.secretKey) headers.authorization = `Bearer ${options.secretKey}`;
    const response = await fetchImpl(`${baseUrl}${path}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json().catch(() => null)) as
      | (T & { error?: { code: string; message: string; requestId?: string } })
      | null;
    if (!response.ok || body === null) {
      throw new TollgateError(
        body?.error?.code ?? "internal",
        response.status,
        body?.error?.message ?? `${response.status} from ${path}`,
        body?.error?.requestId ?? response.headers.get("x-request-id"),
      );
    }
    return body;
  }

  return {
    health: () => get("/healthz"),
    ready: () => get("/readyz"),
  };
}
