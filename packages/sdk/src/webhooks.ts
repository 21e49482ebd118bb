import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * `@tollgate/sdk/webhooks`: checks that a webhook came from the Tollgate server, with nothing
 * but node:crypto (no server, no database driver). The scheme is the server's
 * (packages/server/src/webhooks/webhook-signature.ts), which is Stripe's:
 * `Tollgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 *
 * @example
 * import { constructWebhookEvent } from "@tollgate/sdk/webhooks";
 * export async function POST(request: Request) {
 *   const event = constructWebhookEvent({
 *     payload: await request.text(),
 *     header: request.headers.get("tollgate-signature"),
 *     secret: process.env.TOLLGATE_WEBHOOK_SECRET!,
 *   });
 *   if (event.type === "balance.low") … ;
 *   return new Response(null, { status: 204 });
 * }
 */
export const WEBHOOK_SIGNATURE_HEADER = "Tollgate-Signature";

/** How far the signature's time may be from the receiver's clock by default: 5 minutes. */
export const WEBHOOK_TOLERANCE_SECONDS_DEFAULT = 300;

/** A webhook as the server sends it. */
export interface TollgateWebhookEvent {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/** Why a webhook was refused: answer it 400 and do nothing it asks. */
export class WebhookSignatureError extends Error {
  constructor(
    readonly code: "malformed_header" | "timestamp_outside_tolerance" | "no_matching_signature" | "malformed_payload",
    message: string,
  ) {
    super(message);
    this.name = "WebhookSignatureError";
  }
}

export interface VerifyWebhookInput {
  /** The raw body as received (not parsed and printed again): a string or its bytes. */
  payload: string | Uint8Array;
  /** The `Tollgate-Signature` header. */
  header: string | null | undefined;
  /** The endpoint's signing secret (whsec_…); several during a rotation. */
  secret: string | readonly string[];
  /** Default 300; 0 checks no time (only for replaying stored webhooks in tests). */
  toleranceSeconds?: number;
  now?: Date;
}

/**
 * Checks the signature in constant time and the time within the tolerance (so a captured
 * webhook cannot be replayed later); throws a `WebhookSignatureError`, else returns the signed
 * time. Any one `v1` matching any one secret passes (as while a secret rotates).
 */
export function verifyWebhookSignature(input: VerifyWebhookInput): { timestampSeconds: number } {
  const payload = typeof input.payload === "string" ? input.payload : new TextDecoder().decode(input.payload);
  const { timestampSeconds, signatures } = parseHeader(input.header);
  const secrets = typeof input.secret === "string" ? [input.secret] : input.secret;
  if (secrets.length === 0 || secrets.some((secret) => typeof secret !== "string" || secret.length === 0)) {
    throw new TypeError("verifyWebhookSignature: secret must be the endpoint's signing secret (whsec_…)");
  }
  const matched = secrets.some((secret) => {
    const expected = createHmac("sha256", secret).update(`${timestampSeconds}.${payload}`, "utf8").digest();
    // Every signature is compared, whether or not one already matched: no early exit to time.
    return signatures.reduce((found, signature) => {
      const given = Buffer.from(signature, "hex");
      return (given.length === expected.length && timingSafeEqual(given, expected)) || found;
    }, false);
  });
  if (!matched) {
    throw new WebhookSignatureError(
      "no_matching_signature",
      "No signature matches the payload: pass the raw body as received and the endpoint's own secret",
    );
  }
  const toleranceSeconds = input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS_DEFAULT;
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (toleranceSeconds > 0 && Math.abs(nowSeconds - timestampSeconds) > toleranceSeconds) {
    throw new WebhookSignatureError(
      "timestamp_outside_tolerance",
      `The signature is from ${timestampSeconds}, more than ${toleranceSeconds} s from now (${nowSeconds}): a replay, or a clock that is off`,
    );
  }
  return { timestampSeconds };
}

/** Verifies, then parses: the event a verified webhook carries. */
export function constructWebhookEvent(input: VerifyWebhookInput): TollgateWebhookEvent {
  verifyWebhookSignature(input);
  const text = typeof input.payload === "string" ? input.payload : new TextDecoder().decode(input.payload);
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    throw new WebhookSignatureError("malformed_payload", "The signed payload is not JSON");
  }
  const candidate = event as Partial<TollgateWebhookEvent> | null;
  if (typeof candidate?.id !== "string" || typeof candidate.type !== "string" || typeof candidate.data !== "object") {
    throw new WebhookSignatureError("malformed_payload", "The signed payload is not a Tollgate event");
  }
  return event as TollgateWebhookEvent;
}

function parseHeader(header: string | null | undefined): { timestampSeconds: number; signatures: string[] } {
  if (typeof header !== "string" || header.length === 0 || header.length > 4096) {
    throw new WebhookSignatureError(
      "malformed_header",
      `Missing or oversized ${WEBHOOK_SIGNATURE_HEADER} header: expected "t=<timestamp>,v1=<signature>"`,
    );
  }
  let timestampSeconds: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [name, value = ""] = part.trim().split("=", 2);
    if (name === "t" && /^\d{1,12}$/.test(value)) timestampSeconds = Number(value);
    if (name === "v1" && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestampSeconds === null) {
    throw new WebhookSignatureError("malformed_header", `No timestamp (t=) in the ${WEBHOOK_SIGNATURE_HEADER} header`);
  }
  if (signatures.length === 0) {
    throw new WebhookSignatureError(
      "no_matching_signature",
      `No v1 signature in the ${WEBHOOK_SIGNATURE_HEADER} header`,
    );
  }
  return { timestampSeconds, signatures };
}
