import type { PlanCatalog } from "@tollgate/core";
import type { StripeCustomers } from "@tollgate/store";
import type Stripe from "stripe";
import { ApiError } from "../http/api-error.ts";
import { ACCOUNT_METADATA_KEY, ensureStripeCustomer } from "./stripe-customer.ts";
import { lookupKeyOf } from "./stripe-lookup-keys.ts";

/** Metadata keys on a checkout session naming what it sells; the webhook reads them back. */
export const PLAN_METADATA_KEY = "tollgate_plan";
export const PACK_METADATA_KEY = "tollgate_pack";

export interface CheckoutInput {
  accountId: string;
  /** Exactly one of the two. */
  item: { kind: "plan" | "pack"; id: string };
  successUrl: string;
  cancelUrl: string;
  /** Sent to Stripe, so a retried request makes one session. */
  idempotencyKey: string;
}

/**
 * A Stripe Checkout session for a plan (subscription mode) or a pack (payment mode), for the
 * account's Stripe customer (made on first use). The session names the account in
 * `client_reference_id` and `metadata.tollgate_account_id`, and the plan or pack in
 * `metadata.tollgate_plan` / `tollgate_pack` (on the subscription too, for a plan), which is
 * how the webhook knows what to grant. The Price is the one the configuration names, else the
 * one carrying the item's lookup key (`tollgate stripe push` makes it).
 *
 * @example
 * const session = await createCheckoutSession({ stripe, customers, catalog, now }, {
 *   accountId, item: { kind: "pack", id: "starter" }, successUrl, cancelUrl, idempotencyKey,
 * });
 * session.url; // https://checkout.stripe.com/c/pay/cs_test_…
 */
export async function createCheckoutSession(
  deps: { stripe: Stripe; customers: StripeCustomers; catalog: PlanCatalog; now: Date },
  input: CheckoutInput,
): Promise<{ id: string; url: string }> {
  const definition =
    input.item.kind === "plan"
      ? deps.catalog.plans.find((plan) => plan.id === input.item.id)
      : deps.catalog.packs.find((pack) => pack.id === input.item.id);
  if (!definition) {
    const known = (input.item.kind === "plan" ? deps.catalog.plans : deps.catalog.packs).map((item) => item.id);
    throw new ApiError(
      "not_found",
      `No ${input.item.kind} "${input.item.id}" in the configuration${known.length ? ` (it has ${known.join(", ")})` : ""}.`,
    );
  }
  const priceId = definition.stripePriceId ?? (await priceByLookupKey(deps.stripe, input.item));
  const customer = await ensureStripeCustomer({
    stripe: deps.stripe,
    customers: deps.customers,
    accountId: input.accountId,
    now: deps.now,
  });
  const metadata = {
    [ACCOUNT_METADATA_KEY]: input.accountId,
    [input.item.kind === "plan" ? PLAN_METADATA_KEY : PACK_METADATA_KEY]: input.item.id,
  };
  const session = await deps.stripe.checkout.sessions.create(
    {
      mode: input.item.kind === "plan" ? "subscription" : "payment",
      customer,
      client_reference_id: input.accountId,
      line_items: [{ price: priceId, quantity: 1 }],
      metadata,
      ...(input.item.kind === "plan" ? { subscription_data: { metadata } } : {}),
      success_url: input.successUrl,
      cancel_url: input.cancelUrl,
    },
    { idempotencyKey: input.idempotencyKey },
  );
  if (!session.url) throw new Error(`Stripe answered checkout session ${session.id} without a url`);
  return { id: session.id, url: session.url };
}

async function priceByLookupKey(stripe: Stripe, item: { kind: "plan" | "pack"; id: string }): Promise<string> {
  const lookupKey = lookupKeyOf(item.kind, item.id);
  const found = await stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
  const price = found.data[0];
  if (!price) {
    throw new ApiError(
      "stripe_price_missing",
      `Stripe has no active price with lookup key ${lookupKey} for ${item.kind} "${item.id}": run \`tollgate stripe push\` (or set its stripePriceId in the configuration).`,
    );
  }
  return price.id;
}

/**
 * A billing portal session for the account's Stripe customer: 404 when the account has never
 * checked out (it has no customer to manage).
 *
 * @example
 * const { url } = await createPortalSession({ stripe, customers }, { accountId, returnUrl: "https://app.example/billing" });
 */
export async function createPortalSession(
  deps: { stripe: Stripe; customers: StripeCustomers },
  input: { accountId: string; returnUrl: string; idempotencyKey: string },
): Promise<{ url: string }> {
  const customer = await deps.customers.find(input.accountId);
  if (customer === null) {
    throw new ApiError(
      "not_found",
      `Account ${input.accountId} has no Stripe customer yet: it gets one at its first checkout (POST /v1/checkout-sessions).`,
    );
  }
  const session = await deps.stripe.billingPortal.sessions.create(
    { customer, return_url: input.returnUrl },
    { idempotencyKey: input.idempotencyKey },
  );
  return { url: session.url };
}
