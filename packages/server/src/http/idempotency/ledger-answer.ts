import type { HttpKeyInBatch, HttpRequestFingerprint, StoredHttpResponse } from "@tollgate/store";
import type { Context, TypedResponse } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError } from "../api-error.ts";
import { errorJsonOf } from "../error-handler.ts";
import { conflictError, IDEMPOTENT_REPLAYED_HEADER, nullIfEmpty } from "./key-answers.ts";

const INTENT = "idempotencyKeyInLedger";
const ANSWERED = "idempotencyAnsweredInLedger";

/** What the idempotency middleware hands a ledger-backed route: the key, its request, and its times. */
export interface HttpKeyIntent {
  scope: string;
  key: string;
  request: HttpRequestFingerprint;
  now: Date;
  expiresAt: Date;
  responseBodyBytesMax: number;
}

/** Set by the middleware on a ledger-backed route (`ledgerRoutes`): the route answers the key in the ledger. */
export function setHttpKeyIntent(c: Context, intent: HttpKeyIntent): void {
  c.set(INTENT as never, intent as never);
}

/** True when the route answered the key in the ledger's transaction (stored, replayed or refused). */
export function answeredInLedger(c: Context): boolean {
  return c.get(ANSWERED as never) === true;
}

/**
 * Runs a route's one ledger operation with the request's Idempotency-Key claimed and its
 * answer stored in the operation's own transaction (docs/reference/http-idempotency.md):
 * `render` turns the result into the 200 body or throws the route's ApiError, and is called in
 * the batch, so it must not read or wait. Results for which `renderLater` says true (their
 * answer needs a read) are rendered after the ledger call instead, and the middleware stores
 * that answer. Without the middleware's intent (a route mounted without it), it just runs.
 *
 * @example
 * return ledgerAnswer(c, {
 *   run: (options) => ledger.charge(input, options),
 *   render: (result) => { if (!result.ok) throw ledgerFailure(result, { ledger, unit }); return chargedJson(ledger, result.value); },
 * });
 */
export async function ledgerAnswer<R, B>(
  c: Context,
  steps: {
    run: (options: { httpKey?: HttpKeyInBatch }) => Promise<R>;
    render: (result: R) => B | Promise<B>;
    renderLater?: (result: R) => boolean;
  },
): Promise<TypedResponse<B, 200, "json">> {
  // The answer is the route's 200 body (or the error it throws) whichever way it is given: typed as such.
  return (await answer(c, steps)) as unknown as TypedResponse<B, 200, "json">;
}

async function answer<R, B>(
  c: Context,
  steps: {
    run: (options: { httpKey?: HttpKeyInBatch }) => Promise<R>;
    render: (result: R) => B | Promise<B>;
    renderLater?: (result: R) => boolean;
  },
): Promise<Response> {
  const intent = c.get(INTENT as never) as HttpKeyIntent | undefined;
  const { run, render, renderLater } = steps;
  const httpKey: HttpKeyInBatch | undefined = intent && {
    scope: intent.scope,
    key: intent.key,
    request: intent.request,
    now: intent.now,
    expiresAt: intent.expiresAt,
    answer: (result) => {
      if (renderLater?.(result as R)) return null;
      const stored = storedAnswerOf(c, () => render(result as R));
      return stored !== null && stored.body.byteLength <= intent.responseBodyBytesMax ? stored : null;
    },
  };
  const result = await run(httpKey ? { httpKey } : {});
  const outcome = httpKey?.outcome;
  if (outcome !== undefined && outcome.outcome !== "unstored") {
    c.set(ANSWERED as never, true as never);
    if (outcome.outcome === "stored") return responseOf(c, outcome.response, {});
    if (outcome.outcome === "replay") return responseOf(c, outcome.response, { [IDEMPOTENT_REPLAYED_HEADER]: "true" });
    if (outcome.outcome === "conflict") throw conflictError(outcome.firstRequest, intent?.request.target ?? "");
    // Only a reservation made outside the ledger (a server of an older version) is in progress:
    // it holds the key for a moment.
    c.header("Retry-After", "1");
    throw new ApiError(
      "idempotency_in_progress",
      "A request with this Idempotency-Key is still being processed. Retry after it finishes to get its response.",
    );
  }
  return c.json((await render(result)) as object, 200);
}

/** The answer `render` gives, as bytes; null when it is not one to store here (a promise, or an error of no API code). */
function storedAnswerOf(c: Context, render: () => unknown): StoredHttpResponse | null {
  let status = 200;
  let json: unknown;
  try {
    json = render();
    if (json instanceof Promise) {
      json.catch(() => {});
      return null;
    }
  } catch (error) {
    // Only a final answer is kept (as the middleware keeps them): "try again later" is not.
    if (!(error instanceof ApiError) || error.status >= 500 || error.status === 429 || error.status === 409)
      return null;
    status = error.status;
    json = errorJsonOf(c, error);
  }
  return {
    status,
    headers: { "content-type": "application/json" },
    body: new TextEncoder().encode(JSON.stringify(json)),
  };
}

/** Through the context, so the headers set before the route (the request id) come with it. */
function responseOf(c: Context, stored: StoredHttpResponse, extraHeaders: Record<string, string>): Response {
  const headers = { ...stored.headers, ...extraHeaders };
  const body = nullIfEmpty(stored.body);
  const status = stored.status as ContentfulStatusCode;
  return body === null ? c.body(null, status, headers) : c.body(body as Uint8Array<ArrayBuffer>, status, headers);
}
