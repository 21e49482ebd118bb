import Stripe from "stripe";

/** Stripe's own default: a signature older than 5 minutes is refused (replay protection). */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = 300;

/** The verification, outside any SDK client (it needs no key): stripe-node's own code. */
const webhooks = Stripe.webhooks;

export type VerifiedStripeEvent = { ok: true; event: Stripe.Event } | { ok: false; message: string };

/**
 * Verifies a webhook delivery with stripe-node's `constructEvent` against each secret in turn
 * (two during a rotation), on the raw body as received, 300 s of tolerance counted from
 * `receivedAtMs` (the ledger's clock, so tests move it). A failure's message is stripe-node's,
 * which diagnoses the usual mistakes ("Are you passing the raw request body you received from
 * Stripe?"); with several secrets, the first secret's, unless another found the signature and
 * refused it for another reason (its age).
 *
 * @example
 * const verified = verifyStripeEvent({ rawBody, signature: c.req.header("stripe-signature"), secrets, receivedAtMs: Date.now() });
 */
export function verifyStripeEvent(input: {
  rawBody: Uint8Array;
  signature: string | undefined;
  secrets: readonly string[];
  receivedAtMs: number;
}): VerifiedStripeEvent {
  if (!input.signature) {
    return {
      ok: false,
      message:
        "No Stripe-Signature header: this endpoint takes only deliveries from Stripe (or `stripe listen`), each signed with the endpoint's secret.",
    };
  }
  const messages: string[] = [];
  for (const secret of input.secrets) {
    try {
      const event = webhooks.constructEvent(
        Buffer.from(input.rawBody),
        input.signature,
        secret,
        STRIPE_SIGNATURE_TOLERANCE_SECONDS,
        undefined,
        input.receivedAtMs,
      );
      return { ok: true, event };
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) throw error;
      messages.push(error.message);
    }
  }
  const specific = messages.find((message) => !message.startsWith("No signatures found matching"));
  return { ok: false, message: specific ?? messages[0] ?? "No webhook secret to verify with." };
}
