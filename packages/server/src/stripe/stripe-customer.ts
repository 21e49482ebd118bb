import type { StripeCustomers } from "@tollgate/store";
import type Stripe from "stripe";

/** The metadata key on a Stripe customer (and a checkout session) naming its Tollgate account id. */
export const ACCOUNT_METADATA_KEY = "tollgate_account_id";

/**
 * The account's Stripe customer, made at its first checkout and remembered (`stripe_customers`).
 * The create request's idempotency key is the account's, so two first checkouts at once make
 * one customer at Stripe; and the first row recorded wins here, so they agree on it anyway.
 *
 * @example
 * const customerId = await ensureStripeCustomer({ stripe, customers, accountId, now: ledger.now() });
 */
export async function ensureStripeCustomer(input: {
  stripe: Stripe;
  customers: StripeCustomers;
  accountId: string;
  now: Date;
}): Promise<string> {
  const known = await input.customers.find(input.accountId);
  if (known !== null) return known;
  const customer = await input.stripe.customers.create(
    { metadata: { [ACCOUNT_METADATA_KEY]: input.accountId } },
    { idempotencyKey: `tollgate_customer_${input.accountId}` },
  );
  return input.customers.remember({ accountId: input.accountId, customerId: customer.id, now: input.now });
}
