import type { SqlClient } from "../sql-client.ts";

/**
 * Each account's Stripe customer (table `stripe_customers`): made once, at the account's first
 * checkout, and found here afterwards by checkout and the billing portal.
 *
 * @example
 * const customers = new StripeCustomers(ledger.sql);
 * const kept = await customers.remember({ accountId, customerId: "cus_123", now: ledger.now() });
 * await customers.find(accountId); // kept
 */
export class StripeCustomers {
  constructor(private readonly sql: SqlClient) {}

  /** The account's customer id, or null when it has none yet. */
  async find(accountId: string): Promise<string | null> {
    const rows = await this.sql.query<{ customer_id: string }>(
      "select customer_id from stripe_customers where account_id = $1",
      [accountId],
    );
    return rows[0]?.customer_id ?? null;
  }

  /**
   * Records the account's customer and returns the one kept: the first recorded wins, so two
   * checkouts racing for a new account agree on one customer (the loser's is never used).
   */
  async remember(input: { accountId: string; customerId: string; now: Date }): Promise<string> {
    if (!/^cus_[A-Za-z0-9]{1,250}$/.test(input.customerId)) {
      throw new RangeError(`"${input.customerId.slice(0, 60)}" is not a Stripe customer id (cus_…)`);
    }
    await this.sql.query(
      `insert into stripe_customers (account_id, customer_id, created_at) values ($1, $2, $3)
       on conflict (account_id) do nothing`,
      [input.accountId, input.customerId, input.now],
    );
    const kept = await this.find(input.accountId);
    if (kept === null) throw new Error(`stripe_customers has no row for ${input.accountId} right after inserting it`);
    return kept;
  }
}
