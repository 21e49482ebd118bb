import Stripe from "stripe";
import { ApiError } from "../http/api-error.ts";

/**
 * Runs a call to Stripe and turns what the SDK throws into the API's `stripe_error` (502):
 * Stripe's own message, code and request id in `details`, so the operator can find the request
 * in Stripe's dashboard. An `ApiError` (ours) passes through.
 *
 * @example
 * const session = await callStripe(() => stripe.checkout.sessions.create(params));
 */
export async function callStripe<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    const reached = error.type !== "StripeConnectionError";
    throw new ApiError(
      "stripe_error",
      reached
        ? `Stripe refused the request: ${error.message}`
        : "Stripe could not be reached (check the network, or STRIPE_API_BASE when using a stand-in); the request can be retried with the same Idempotency-Key.",
      {
        stripeType: error.type,
        ...(error.code ? { stripeCode: error.code } : {}),
        ...(error.statusCode ? { stripeStatus: error.statusCode } : {}),
        ...(error.requestId ? { stripeRequestId: error.requestId } : {}),
      },
    );
  }
}
