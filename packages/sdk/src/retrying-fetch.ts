import { isRetryableAnswer, isRetrySafe, type RetryBackoff, retryDelayMs } from "./retry-policy.ts";
import { errorOfAnswer, TollgateError } from "./tollgate-error.ts";

/** The fetch the app gives (the global one by default; tests may pass `app.request`). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response> | Response;

export interface RetryingFetchOptions {
  fetch: FetchLike;
  /** `Bearer …` sent unless the request names its own authorization. */
  bearer: string | undefined;
  maxRetries: number;
  /** Per attempt, until the answer's headers arrive (a live stream may then stay open). */
  timeoutMs: number;
  backoff: RetryBackoff;
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The one way the SDK sends a request: the key in `Authorization`, a random `Idempotency-Key` on
 * every write that has none (kept across that call's retries, so a write whose answer was lost
 * happens once), a timeout per attempt, the retries retry-policy.ts allows, and a refused
 * answer thrown as a `TollgateError`. What openapi-fetch and the named methods stand on.
 */
export function retryingFetch(options: RetryingFetchOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    const headers = new Headers(request.headers);
    if (options.bearer && !headers.has("authorization")) headers.set("authorization", `Bearer ${options.bearer}`);
    const method = request.method.toUpperCase();
    if (WRITE_METHODS.has(method) && !headers.has("idempotency-key")) {
      headers.set("idempotency-key", crypto.randomUUID());
    }
    // Read once: a Request's body is a stream, and every attempt sends the same bytes.
    const body = request.body === null ? undefined : await request.arrayBuffer();
    const retrySafe = isRetrySafe(method, headers);
    const what = `${method} ${new URL(request.url).pathname}`;
    for (let attempt = 0; ; attempt += 1) {
      const retriesLeft = retrySafe && attempt < options.maxRetries;
      let response: Response;
      try {
        response = await attemptOnce(options, request, { method, headers, body });
      } catch (error) {
        if (request.signal.aborted) throw error; // the caller's own abort: not ours to retry
        if (retriesLeft) {
          await sleep(retryDelayMs(attempt + 1, null, options.backoff), request.signal);
          continue;
        }
        throw connectionError(error, what);
      }
      if (response.ok) return response;
      const errorBody = await response.json().catch(() => null);
      const refused = errorOfAnswer(response, errorBody, what);
      if (retriesLeft && isRetryableAnswer(response.status, refused.code)) {
        await sleep(retryDelayMs(attempt + 1, response.headers.get("retry-after"), options.backoff), request.signal);
        continue;
      }
      throw refused;
    }
  };
}

async function attemptOnce(
  options: RetryingFetchOptions,
  request: Request,
  init: { method: string; headers: Headers; body: ArrayBuffer | undefined },
): Promise<Response> {
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new DOMException(`no answer within ${options.timeoutMs} ms`, "TimeoutError")),
    options.timeoutMs,
  );
  try {
    return await options.fetch(request.url, {
      method: init.method,
      headers: init.headers,
      ...(init.body === undefined ? {} : { body: init.body }),
      signal: AbortSignal.any([request.signal, timeout.signal]),
    });
  } finally {
    clearTimeout(timer);
  }
}

function connectionError(error: unknown, what: string): TollgateError {
  const timedOut = error instanceof Error && error.name === "TimeoutError";
  const reason =
    error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
  return new TollgateError(
    timedOut ? "timeout" : "connection_error",
    0,
    `${what}: ${timedOut ? reason : `no answer from the server (${reason})`}`,
    null,
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
