-- Stripe (docs/operating/stripe.md): each account's Stripe customer, made once, and the log of
-- verified webhook events, which is also how a redelivered event is recognized and not applied
-- again.

-- An account has at most one Stripe customer and a customer belongs to one account: checkout
-- and the portal find it here rather than by searching Stripe (search is eventually
-- consistent, and a second customer made in that window would split the account's purchases).
create table stripe_customers (
  account_id text collate "C" primary key,
  customer_id text collate "C" not null unique check (customer_id ~ '^cus_[A-Za-z0-9]{1,250}$'),
  created_at timestamptz not null
);

-- One row per Stripe event id, however many times Stripe delivers it. `outcome` is
-- `received` while its effect runs (or if the process died during it: the next delivery runs
-- it again, and the ledger's idempotency key makes that safe), then `processed`, `ignored`
-- (no handler for the type) or `failed` (the effect threw; Stripe retries, and so runs it again).
create table stripe_events (
  event_id text collate "C" primary key check (event_id ~ '^evt_[A-Za-z0-9_]{1,250}$'),
  type text not null check (length(type) between 1 and 200),
  -- The event's own `created` (Stripe's clock), and when this server first verified it (ours).
  created timestamptz not null,
  livemode boolean not null,
  received_at timestamptz not null,
  deliveries integer not null check (deliveries >= 1),
  outcome text not null check (outcome in ('received', 'processed', 'ignored', 'failed')),
  detail text check (length(detail) <= 1000),
  account_id text collate "C",
  updated_at timestamptz not null
);

-- The log is read newest first, by type or outcome or all.
create index stripe_events_received on stripe_events (received_at desc, event_id desc);
