import type { SqlClient } from "../sql-client.ts";

/** Where an event's effect stands. `received`: running, or cut off by a crash (run again on redelivery). */
export type StripeEventOutcome = "received" | "processed" | "ignored" | "failed";
export const STRIPE_EVENT_OUTCOMES: readonly StripeEventOutcome[] = ["received", "processed", "ignored", "failed"];

/** The most events one page lists. */
export const STRIPE_EVENT_PAGE_MAX = 500;

/** Longest `detail` kept: a limit on everything. */
const DETAIL_LENGTH_MAX = 1000;

/** One verified Stripe event as the log keeps it. */
export interface StripeEventRow {
  eventId: string;
  type: string;
  /** The event's `created`, Stripe's clock. */
  created: Date;
  livemode: boolean;
  /** When this deployment first verified it. */
  receivedAt: Date;
  /** How many verified deliveries of it arrived, the first included. */
  deliveries: number;
  outcome: StripeEventOutcome;
  detail: string | null;
  accountId: string | null;
  updatedAt: Date;
}

/** What a delivery found: whether its effect must run (first delivery, or an earlier run did not finish). */
export interface StripeDelivery {
  event: StripeEventRow;
  /** False when an earlier delivery already processed or ignored it: answer 200 and do nothing. */
  runEffect: boolean;
}

export interface StripeEventPage {
  items: StripeEventRow[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

interface Row {
  event_id: string;
  type: string;
  created: Date;
  livemode: boolean;
  received_at: Date;
  deliveries: number;
  outcome: StripeEventOutcome;
  detail: string | null;
  account_id: string | null;
  updated_at: Date;
}

const COLUMNS = "event_id, type, created, livemode, received_at, deliveries, outcome, detail, account_id, updated_at";

/**
 * The log of verified Stripe webhook events (table `stripe_events`), one row per event id:
 * a redelivery counts on the row and runs nothing that already finished, which is what makes a
 * Stripe event apply once whatever the number of deliveries.
 *
 * @example
 * const log = new StripeEvents(ledger.sql);
 * const { runEffect } = await log.receive({ eventId: "evt_1", type: "checkout.session.completed", created, livemode: false, now });
 * if (runEffect) await log.finish({ eventId: "evt_1", outcome: "processed", detail: null, accountId, now });
 */
export class StripeEvents {
  constructor(private readonly sql: SqlClient) {}

  /**
   * Records one verified delivery: the row is made on the first, `deliveries` counts the
   * others. Its effect runs on the first delivery and again after one that failed or never
   * finished; two deliveries at once may both run it, so an effect must be idempotent by itself
   * (the ledger's keys make it so).
   */
  async receive(input: {
    eventId: string;
    type: string;
    created: Date;
    livemode: boolean;
    now: Date;
  }): Promise<StripeDelivery> {
    const rows = await this.sql.query<Row & { inserted: boolean }>(
      `insert into stripe_events (event_id, type, created, livemode, received_at, deliveries, outcome, updated_at)
       values ($1, $2, $3, $4, $5, 1, 'received', $5)
       on conflict (event_id) do update set deliveries = stripe_events.deliveries + 1, updated_at = excluded.updated_at
       returning ${COLUMNS}, (xmax = 0) as inserted`,
      [input.eventId, input.type, input.created, input.livemode, input.now],
    );
    const row = rows[0];
    if (!row) throw new Error("insert … returning gave no row");
    const event = eventOf(row);
    return { event, runEffect: row.inserted || event.outcome === "received" || event.outcome === "failed" };
  }

  /** Records what the effect did. */
  async finish(input: {
    eventId: string;
    outcome: Exclude<StripeEventOutcome, "received">;
    detail: string | null;
    accountId: string | null;
    now: Date;
  }): Promise<void> {
    await this.sql.query(
      `update stripe_events set outcome = $2, detail = $3, account_id = coalesce($4, account_id), updated_at = $5
       where event_id = $1`,
      [input.eventId, input.outcome, input.detail?.slice(0, DETAIL_LENGTH_MAX) ?? null, input.accountId, input.now],
    );
  }

  /** One event, or null. */
  async get(eventId: string): Promise<StripeEventRow | null> {
    const rows = await this.sql.query<Row>(`select ${COLUMNS} from stripe_events where event_id = $1`, [eventId]);
    return rows[0] ? eventOf(rows[0]) : null;
  }

  /** Events newest first (by when they were first received), by type or outcome or all, a page at a time. */
  async list(options: {
    type?: string;
    outcome?: StripeEventOutcome;
    limit?: number;
    before?: string | null;
  }): Promise<StripeEventPage> {
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > STRIPE_EVENT_PAGE_MAX) {
      throw new RangeError(`limit must be an integer from 1 to ${STRIPE_EVENT_PAGE_MAX}, got ${limit}`);
    }
    if (options.outcome !== undefined && !STRIPE_EVENT_OUTCOMES.includes(options.outcome)) {
      throw new RangeError(`"${String(options.outcome).slice(0, 60)}" is not an outcome`);
    }
    // The cursor is the last event id of the previous page; a cursor naming no event gives an empty page.
    const rows = await this.sql.query<Row>(
      `select ${COLUMNS} from stripe_events
       where ($1::text is null or type = $1) and ($2::text is null or outcome = $2)
         and ($3::text is null or (received_at, event_id) <
           (select received_at, event_id from stripe_events where event_id = $3))
       order by received_at desc, event_id desc limit $4`,
      [options.type ?? null, options.outcome ?? null, options.before ?? null, limit + 1],
    );
    const items = rows.slice(0, limit).map(eventOf);
    return { items, nextCursor: rows.length > limit ? (items.at(-1)?.eventId ?? null) : null };
  }
}

function eventOf(row: Row): StripeEventRow {
  return {
    eventId: row.event_id,
    type: row.type,
    created: row.created,
    livemode: row.livemode,
    receivedAt: row.received_at,
    deliveries: Number(row.deliveries),
    outcome: row.outcome,
    detail: row.detail,
    accountId: row.account_id,
    updatedAt: row.updated_at,
  };
}
