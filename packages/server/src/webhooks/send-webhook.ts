import type { AttemptOutcome, ClaimedDelivery } from "@tollgate/store";
import { signWebhookPayload, WEBHOOK_SIGNATURE_HEADER } from "./webhook-signature.ts";

export const WEBHOOK_USER_AGENT = "Tollgate-Webhooks/0.1";
/** Bytes of a response body kept for the delivery log; the rest is never read. */
const RESPONSE_EXCERPT_BYTES = 1024;

/**
 * The body the app receives: the same bytes on every attempt of an event, whatever the
 * delivery (only the signature's time changes).
 *
 * @example
 * webhookBody(claimed.event); // '{"id":"evt_…","type":"balance.low","createdAt":"…","data":{…}}'
 */
export function webhookBody(event: ClaimedDelivery["event"]): string {
  return JSON.stringify({
    id: event.eventId,
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    data: event.data,
  });
}

/**
 * One attempt: a signed POST, no redirect followed (a 3xx is a failure, so a webhook never
 * lands somewhere its URL did not name), aborted after `timeoutMs`. Never throws: whatever
 * happened is the outcome to log. The secret goes into the signature and nowhere else.
 *
 * @example
 * const outcome = await sendWebhook(claimed, { timeoutMs: 10_000, now: () => new Date() });
 */
export async function sendWebhook(
  claimed: ClaimedDelivery,
  options: { timeoutMs: number; now: () => Date; fetch?: typeof fetch },
): Promise<AttemptOutcome> {
  const body = webhookBody(claimed.event);
  const startedAt = options.now();
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  try {
    const response = await (options.fetch ?? fetch)(claimed.endpoint.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: {
        "content-type": "application/json",
        "user-agent": WEBHOOK_USER_AGENT,
        "tollgate-event-id": claimed.event.eventId,
        "tollgate-event-type": claimed.event.type,
        "tollgate-delivery-id": claimed.deliveryId,
        [WEBHOOK_SIGNATURE_HEADER.toLowerCase()]: signWebhookPayload({
          payload: body,
          secret: claimed.endpoint.secret,
          now: options.now(),
        }),
      },
      body,
    });
    const responseBody = await excerpt(response);
    const ok = response.status >= 200 && response.status < 300;
    return {
      startedAt,
      durationMs: elapsed(),
      responseStatus: response.status,
      error: ok
        ? null
        : `HTTP ${response.status}${response.status >= 300 && response.status < 400 ? " (redirects are not followed)" : ""}`,
      responseBody,
    };
  } catch (error) {
    return {
      startedAt,
      durationMs: elapsed(),
      responseStatus: null,
      error: describe(error, options.timeoutMs),
      responseBody: null,
    };
  }
}

/** The first bytes of the body, read no further; the connection is let go after. */
async function excerpt(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // A body cut off mid-way still has its first bytes worth logging.
  } finally {
    reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString("utf8");
  return text.length === 0 ? null : text;
}

function describe(error: unknown, timeoutMs: number): string {
  const named = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (named?.name === "TimeoutError" || named?.name === "AbortError") return `timed out after ${timeoutMs} ms`;
  const cause = named?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ""}`;
  return named?.message ?? String(error);
}
