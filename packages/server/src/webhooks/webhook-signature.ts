import { createHmac, timingSafeEqual } from "node:crypto";

/** The header every webhook carries: `t=<unix seconds>,v1=<hex HMAC-SHA256>`, as Stripe's. */
export const WEBHOOK_SIGNATURE_HEADER = "Tollgate-Signature";

/** How far a signature's time may be from the receiver's clock: Stripe's 5 minutes. */
export const WEBHOOK_TOLERANCE_SECONDS_DEFAULT = 300;

/** Why a webhook was refused: a stable `code` and a message that says what to check. */
export class WebhookSignatureError extends Error {
  constructor(
    readonly code: "malformed_header" | "timestamp_outside_tolerance" | "no_matching_signature",
    message: string,
  ) {
    super(message);
    this.name = "WebhookSignatureError";
  }
}

/**
 * The hex HMAC-SHA256 of `${timestamp}.${payload}` under `secret`: the `v1` signature.
 *
 * @example
 * computeWebhookSignature({ payload: '{"id":"evt_…"}', secret: "whsec_…", timestampSeconds: 1767225600 });
 */
export function computeWebhookSignature(input: { payload: string; secret: string; timestampSeconds: number }): string {
  return createHmac("sha256", input.secret).update(`${input.timestampSeconds}.${input.payload}`, "utf8").digest("hex");
}

/**
 * The `Tollgate-Signature` header for a payload sent now: `t=<unix seconds>,v1=<signature>`.
 *
 * @example
 * const header = signWebhookPayload({ payload: body, secret, now: new Date() });
 */
export function signWebhookPayload(input: { payload: string; secret: string; now: Date }): string {
  const timestampSeconds = Math.floor(input.now.getTime() / 1000);
  return `t=${timestampSeconds},v1=${computeWebhookSignature({ ...input, timestampSeconds })}`;
}

/**
 * Checks a webhook as the app receives it, on the raw body (the bytes as sent, not JSON
 * parsed and printed again): some `v1` signature in the header must match, in constant time,
 * and its time must be within `toleranceSeconds` of `now`, so a captured request cannot be
 * replayed later. Several `v1` values are accepted (as during a secret's rotation). Throws a
 * `WebhookSignatureError`; returns the verified timestamp.
 *
 * @example
 * app.post("/hooks/tollgate", express.raw({ type: "application/json" }), (req, res) => {
 *   verifyWebhookSignature({ payload: req.body.toString("utf8"), header: req.get("Tollgate-Signature"), secret });
 *   const event = JSON.parse(req.body); // { id, type, createdAt, data }
 *   res.sendStatus(204);
 * });
 */
export function verifyWebhookSignature(input: {
  payload: string | Uint8Array;
  header: string | null | undefined;
  secret: string;
  toleranceSeconds?: number;
  now?: Date;
}): { timestampSeconds: number } {
  const payload = typeof input.payload === "string" ? input.payload : Buffer.from(input.payload).toString("utf8");
  const { timestampSeconds, signatures } = parseHeader(input.header);
  const expected = Buffer.from(computeWebhookSignature({ payload, secret: input.secret, timestampSeconds }), "hex");
  const matched = signatures.some((signature) => {
    const given = Buffer.from(signature, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matched) {
    throw new WebhookSignatureError(
      "no_matching_signature",
      "No signatures found matching the expected signature for payload. Are you passing the raw request body you received from Tollgate?",
    );
  }
  const toleranceSeconds = input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS_DEFAULT;
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (toleranceSeconds > 0 && Math.abs(nowSeconds - timestampSeconds) > toleranceSeconds) {
    throw new WebhookSignatureError("timestamp_outside_tolerance", "Timestamp outside the tolerance zone");
  }
  return { timestampSeconds };
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
    throw new WebhookSignatureError("malformed_header", `Unable to extract timestamp from ${WEBHOOK_SIGNATURE_HEADER}`);
  }
  if (signatures.length === 0) {
    throw new WebhookSignatureError(
      "no_matching_signature",
      "No signatures found with expected scheme v1. Are you passing the raw request body you received from Tollgate?",
    );
  }
  return { timestampSeconds, signatures };
}
