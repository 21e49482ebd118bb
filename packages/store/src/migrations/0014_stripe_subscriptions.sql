-- Stripe subscriptions (docs/operating/stripe.md, "Subscriptions and event order"): what the
-- newest events said of each Stripe subscription, and which events those were. Stripe delivers
-- events in any order and more than once; each field here is owned by the newest event that
-- speaks of it, compared by (event created, event id), so an older event never overwrites what
-- a newer one said. The ledger's subscription is then brought to this row's state.
create table stripe_subscriptions (
  stripe_subscription_id text collate "C" primary key check (stripe_subscription_id ~ '^sub_[A-Za-z0-9]{1,250}$'),
  account_id text collate "C" not null,
  -- The ledger subscription this Stripe subscription made (subscriptions.subscription_id), once it did.
  ledger_subscription_id text collate "C",
  -- The plan the subscription started on (checkout.session.completed, customer.subscription.created):
  -- what the account is subscribed to, whichever of its events arrives first.
  initial_plan_id text collate "C",
  -- From the newest customer.subscription.* event: its Price's plan and cancel_at_period_end.
  plan_id text collate "C",
  cancel_at_period_end boolean not null default false,
  snapshot_event_created timestamptz,
  snapshot_event_id text collate "C",
  -- From the newest event that implies a status (subscription events, invoice.paid, invoice.payment_failed).
  status text check (status in ('active', 'past_due', 'canceled')),
  status_event_created timestamptz,
  status_event_id text collate "C",
  -- Counts the row's changes: what a handler compares to know its view is still the newest.
  version bigint not null check (version >= 1),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((snapshot_event_created is null) = (snapshot_event_id is null)),
  check ((status_event_created is null) = (status_event_id is null))
);

create index stripe_subscriptions_account on stripe_subscriptions (account_id);
