/**
 * An error answer from the server, in its one error shape (`{ error: { code, message, details,
 * requestId } }`), or a request that got no answer (`code: "connection_error"`, status 0).
 *
 * @example
 * try { await tollgate.charges.create({ account: "user:alice", feature: "generate_goal" }); }
 * catch (error) { if (error instanceof TollgateError && error.code === "insufficient_credits") … }
 */
export class TollgateError extends Error {
  constructor(
    /** The public error code (`insufficient_credits`, `not_found`, …), or `connection_error`. */
    readonly code: string,
    /** The HTTP status; 0 when no answer arrived. */
    readonly status: number,
    message: string,
    /** The server's request id (from the body, else the `X-Request-Id` header), for its logs. */
    readonly requestId: string | null,
    /** Structured detail: `{ fields }` on a 400, `{ requiredMinor }` on a 402, … */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "TollgateError";
  }
}

/** The server's error body, as far as the SDK reads it. */
interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown; requestId?: unknown };
}

/** The `TollgateError` of a refused answer, from its body (parsed or not) and headers. */
export function errorOfAnswer(response: Response, body: unknown, what: string): TollgateError {
  const error = (body as ErrorBody | null)?.error;
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  return new TollgateError(
    text(error?.code) ?? (response.status >= 500 ? "internal" : "invalid_response"),
    response.status,
    text(error?.message) ?? `${response.status} ${response.statusText} from ${what}`.replace(/\s+/g, " "),
    text(error?.requestId) ?? response.headers.get("x-request-id"),
    typeof error?.details === "object" && error.details !== null ? (error.details as Record<string, unknown>) : {},
  );
}
