-- Outgoing webhooks (docs/concepts/webhooks.md): endpoints the app registers, the outbox of
-- events written in the same transaction as the ledger change that caused them, one delivery
-- per event and endpoint, and a log of every attempt.

-- An account's low-balance threshold per unit, on the row the batch already locks and loads,
-- so looking it up costs the hot path nothing. Null: the plan's (later) or the deployment's
-- default applies. 0: never `balance.low` for this account and unit.
alter table balances add column low_balance_threshold_minor bigint
  check (low_balance_threshold_minor >= 0);

-- Not led by account_id: an endpoint belongs to the app, not to an account. On Citus this is a
-- reference table (small, read by every batch that produces an event).
create table webhook_endpoints (
  endpoint_id text collate "C" primary key check (endpoint_id ~ '^we_[0-9a-f]{32}$'),
  url text not null check (length(url) between 1 and 2048 and url ~ '^https?://'),
  -- Kept as is: every delivery is signed with it. Shown once at creation, never listed or logged.
  secret text not null check (secret ~ '^whsec_[A-Za-z0-9_-]{43}$'),
  -- The event types sent here; empty for all of them.
  event_types text[] not null check (cardinality(event_types) <= 64),
  description text check (length(description) between 1 and 200),
  enabled boolean not null,
  created_at timestamptz not null,
  disabled_at timestamptz,
  check (enabled = (disabled_at is null))
);

-- The outbox. Append-only; `data` is what the app receives under `data`.
create table webhook_events (
  account_id text not null,
  event_id text collate "C" not null check (event_id ~ '^evt_[0-9a-f]{32}$'),
  type text not null check (type ~ '^[a-z][a-z_]*\.[a-z][a-z_]*$'),
  data jsonb not null,
  created_at timestamptz not null,
  primary key (account_id, event_id)
);
create unique index webhook_events_event_id on webhook_events (event_id);

-- One event to one endpoint. Created with the event (same statement), or by a replay.
create table webhook_deliveries (
  account_id text not null,
  delivery_id text collate "C" not null check (delivery_id ~ '^wd_[0-9a-f]{32}$'),
  event_id text collate "C" not null,
  endpoint_id text collate "C" not null references webhook_endpoints,
  -- The delivery this one replays, if it was made by `tollgate webhooks replay`.
  replay_of text collate "C",
  status text not null check (status in ('pending', 'succeeded', 'failed')),
  attempts integer not null check (attempts between 0 and 1000),
  -- When a pending delivery is due. While an attempt is in flight it is the end of that
  -- attempt's lease: a dispatcher that died mid-attempt leaves it due again after that.
  next_attempt_at timestamptz,
  -- The in-flight attempt's lease: only its holder may record the outcome.
  claim_token text,
  last_attempt_at timestamptz,
  last_response_status smallint check (last_response_status between 100 and 599),
  last_error text check (length(last_error) <= 1024),
  created_at timestamptz not null,
  completed_at timestamptz,
  primary key (account_id, delivery_id),
  foreign key (account_id, event_id) references webhook_events,
  check ((status = 'pending') = (next_attempt_at is not null)),
  check ((status = 'pending') = (completed_at is null))
);
create unique index webhook_deliveries_delivery_id on webhook_deliveries (delivery_id);
-- What the dispatcher claims: due pending deliveries, oldest first.
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_event on webhook_deliveries (event_id);
create index webhook_deliveries_endpoint on webhook_deliveries (endpoint_id, delivery_id);

-- The delivery log: one row per attempt, never updated.
create table webhook_attempts (
  account_id text not null,
  delivery_id text collate "C" not null,
  attempt integer not null check (attempt between 1 and 1000),
  started_at timestamptz not null,
  duration_ms integer not null check (duration_ms >= 0),
  -- Null when no response came back (refused, timed out, ...); `error` says why.
  response_status smallint check (response_status between 100 and 599),
  error text check (length(error) <= 1024),
  -- The first 1 KiB (in characters) of the response body, for diagnosing a failing endpoint.
  response_body text check (length(response_body) <= 1024),
  primary key (account_id, delivery_id, attempt),
  foreign key (account_id, delivery_id) references webhook_deliveries
);
