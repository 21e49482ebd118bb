import type { SqlClient } from "../sql-client.ts";

/** A status as billing reports it, in the ledger's terms. */
export type StripeSubscriptionStatus = "active" | "past_due" | "canceled";

/**
 * What one Stripe event says of a subscription. `snapshot` is the subscription's own state, as
 * a `customer.subscription.*` event carries it; `status` is what any event implies (an invoice
 * paid: active); `initialPlanId` is the plan it started on, from the events that create it.
 */
export interface StripeSubscriptionObservation {
  stripeSubscriptionId: string;
  accountId: string;
  eventId: string;
  /** The event's `created` (Stripe's clock, in whole seconds). */
  eventCreated: Date;
  initialPlanId: string | null;
  snapshot: { planId: string | null; cancelAtPeriodEnd: boolean } | null;
  status: StripeSubscriptionStatus | null;
  now: Date;
}

/** A Stripe subscription as the newest events describe it (table `stripe_subscriptions`). */
export interface StripeSubscriptionRow {
  stripeSubscriptionId: string;
  accountId: string;
  ledgerSubscriptionId: string | null;
  initialPlanId: string | null;
  planId: string | null;
  cancelAtPeriodEnd: boolean;
  status: StripeSubscriptionStatus | null;
  /** The events that last set the snapshot and the status: `created` + id, for the operator. */
  snapshotEvent: { created: Date; eventId: string } | null;
  statusEvent: { created: Date; eventId: string } | null;
  /** Counts the row's changes. */
  version: number;
}

interface Row {
  stripe_subscription_id: string;
  account_id: string;
  ledger_subscription_id: string | null;
  initial_plan_id: string | null;
  plan_id: string | null;
  cancel_at_period_end: boolean;
  status: StripeSubscriptionStatus | null;
  snapshot_event_created: Date | null;
  snapshot_event_id: string | null;
  status_event_created: Date | null;
  status_event_id: string | null;
  version: string | number;
}

const COLUMNS = `stripe_subscription_id, account_id, ledger_subscription_id, initial_plan_id, plan_id,
  cancel_at_period_end, status, snapshot_event_created, snapshot_event_id, status_event_created, status_event_id, version`;

/** Whether the incoming event ($8 created, $9 id) is newer than the one that set a field. */
const NEWER = (created: string, id: string) =>
  `(s.${created} is null or (s.${created}, s.${id}) < ($8::timestamptz, $9::text collate "C"))`;
const SNAPSHOT_NEWER = `($4::boolean and ${NEWER("snapshot_event_created", "snapshot_event_id")})`;
// `canceled` is final: no later report (a stray invoice) brings it back.
const STATUS_NEWER = `($7::text is not null and s.status is distinct from 'canceled'
  and ${NEWER("status_event_created", "status_event_id")})`;
const INITIAL_NEW = "(s.initial_plan_id is null and $3::text is not null)";

/**
 * The ordering rule for Stripe subscription events, kept in one statement: each field of a Stripe
 * subscription is owned by the newest event that speaks of it, by (event `created`, event id),
 * so events applied in any order, any number of times, leave the row as the newest ones say.
 * The compare and the write are one `insert … on conflict do update … where`, atomic under the
 * row's lock: two deliveries at once cannot both think they are the newest.
 *
 * @example
 * const subscriptions = new StripeSubscriptions(ledger.sql);
 * const { row, changed } = await subscriptions.observe({ stripeSubscriptionId: "sub_1", accountId, eventId: "evt_1",
 *   eventCreated, initialPlanId: null, snapshot: null, status: "past_due", now });
 */
export class StripeSubscriptions {
  constructor(private readonly sql: SqlClient) {}

  /** Records what an event says, where it is newer than what the row has; returns the row after. */
  async observe(input: StripeSubscriptionObservation): Promise<{ row: StripeSubscriptionRow; changed: boolean }> {
    if (!/^sub_[A-Za-z0-9]{1,250}$/.test(input.stripeSubscriptionId)) {
      throw new RangeError(`"${input.stripeSubscriptionId.slice(0, 60)}" is not a Stripe subscription id (sub_…)`);
    }
    const rows = await this.sql.query<Row>(
      `insert into stripe_subscriptions as s (stripe_subscription_id, account_id, initial_plan_id, plan_id,
         cancel_at_period_end, snapshot_event_created, snapshot_event_id, status, status_event_created,
         status_event_id, version, created_at, updated_at)
       values ($1, $2, $3, case when $4::boolean then $5::text end, $4::boolean and $6::boolean,
         case when $4::boolean then $8::timestamptz end, case when $4::boolean then $9::text end, $7::text,
         case when $7::text is not null then $8::timestamptz end, case when $7::text is not null then $9::text end,
         1, $10, $10)
       on conflict (stripe_subscription_id) do update set
         initial_plan_id = coalesce(s.initial_plan_id, excluded.initial_plan_id),
         plan_id = case when ${SNAPSHOT_NEWER} then $5::text else s.plan_id end,
         cancel_at_period_end = case when ${SNAPSHOT_NEWER} then $6::boolean else s.cancel_at_period_end end,
         snapshot_event_created = case when ${SNAPSHOT_NEWER} then $8::timestamptz else s.snapshot_event_created end,
         snapshot_event_id = case when ${SNAPSHOT_NEWER} then $9::text else s.snapshot_event_id end,
         status = case when ${STATUS_NEWER} then $7::text else s.status end,
         status_event_created = case when ${STATUS_NEWER} then $8::timestamptz else s.status_event_created end,
         status_event_id = case when ${STATUS_NEWER} then $9::text else s.status_event_id end,
         version = s.version + 1,
         updated_at = $10
       where ${SNAPSHOT_NEWER} or ${STATUS_NEWER} or ${INITIAL_NEW}
       returning ${COLUMNS}`,
      [
        input.stripeSubscriptionId,
        input.accountId,
        input.initialPlanId,
        input.snapshot !== null,
        input.snapshot?.planId ?? null,
        input.snapshot?.cancelAtPeriodEnd ?? false,
        input.status,
        input.eventCreated,
        input.eventId,
        input.now,
      ],
    );
    if (rows[0]) return { row: rowOf(rows[0]), changed: true };
    const row = await this.get(input.stripeSubscriptionId);
    if (!row) throw new Error(`stripe_subscriptions has no row for ${input.stripeSubscriptionId} after observing it`);
    return { row, changed: false };
  }

  /** Remembers the ledger subscription the Stripe subscription made (the first one recorded stays). */
  async recordLedgerSubscription(input: {
    stripeSubscriptionId: string;
    ledgerSubscriptionId: string;
    now: Date;
  }): Promise<void> {
    await this.sql.query(
      `update stripe_subscriptions set ledger_subscription_id = $2, updated_at = $3
       where stripe_subscription_id = $1 and ledger_subscription_id is null`,
      [input.stripeSubscriptionId, input.ledgerSubscriptionId, input.now],
    );
  }

  /** One Stripe subscription, or null. */
  async get(stripeSubscriptionId: string): Promise<StripeSubscriptionRow | null> {
    const rows = await this.sql.query<Row>(
      `select ${COLUMNS} from stripe_subscriptions where stripe_subscription_id = $1`,
      [stripeSubscriptionId],
    );
    return rows[0] ? rowOf(rows[0]) : null;
  }

  /** The account of a Stripe customer (table `stripe_customers`), for events that name only the customer. */
  async accountOfCustomer(customerId: string): Promise<string | null> {
    const rows = await this.sql.query<{ account_id: string }>(
      "select account_id from stripe_customers where customer_id = $1",
      [customerId],
    );
    return rows[0]?.account_id ?? null;
  }
}

function rowOf(row: Row): StripeSubscriptionRow {
  return {
    stripeSubscriptionId: row.stripe_subscription_id,
    accountId: row.account_id,
    ledgerSubscriptionId: row.ledger_subscription_id,
    initialPlanId: row.initial_plan_id,
    planId: row.plan_id,
    cancelAtPeriodEnd: row.cancel_at_period_end,
    status: row.status,
    snapshotEvent:
      row.snapshot_event_created && row.snapshot_event_id
        ? { created: new Date(row.snapshot_event_created), eventId: row.snapshot_event_id }
        : null,
    statusEvent:
      row.status_event_created && row.status_event_id
        ? { created: new Date(row.status_event_created), eventId: row.status_event_id }
        : null,
    version: Number(row.version),
  };
}
