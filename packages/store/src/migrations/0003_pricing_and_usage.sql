-- Pricing and usage metering (docs/concepts/pricing.md).

-- A deployment's own model prices, effective-dated. The catalog (@pydantic/genai-prices)
-- prices every model these rows do not; a row never changes once written, so what past
-- usage cost never changes either (each usage event also keeps the snapshot it used).
create table model_prices (
  provider text not null check (provider ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  model text not null check (length(model) between 1 and 200 and model = lower(model)),
  effective_from timestamptz not null,
  prices jsonb not null,
  reason text,
  created_at timestamptz not null default now(),
  primary key (provider, model, effective_from)
);
create trigger model_prices_append_only before update or delete on model_prices
  for each row execute function forbid_change();

-- Features with a fixed cost in a unit (generate_goal costs 3 goal_generation).
create table features (
  feature text primary key check (feature ~ '^[a-z][a-z0-9_.-]{0,63}$'),
  unit text not null references units,
  cost_minor bigint not null check (cost_minor >= 0),
  description text,
  updated_at timestamptz not null default now()
);

-- What one account pays for a feature instead of its cost (a customer's own price for an action).
create table feature_cost_overrides (
  account_id text not null references accounts,
  feature text not null references features on delete cascade,
  cost_minor bigint not null check (cost_minor >= 0),
  updated_at timestamptz not null default now(),
  primary key (account_id, feature)
);

-- The prices and rules a charge was computed with, stored once and named by the SHA-256 of
-- their canonical JSON: a usage event names its snapshot rather than repeating it.
create table price_snapshots (
  price_snapshot_id text primary key,
  snapshot jsonb not null,
  created_at timestamptz not null default now()
);
create trigger price_snapshots_append_only before update or delete on price_snapshots
  for each row execute function forbid_change();

-- What was consumed, written in the transaction that charged it (or alone, uncharged, for
-- a failed call). Ids are time-ordered (UUIDv7), so the primary key also serves an
-- account's usage by time: reports bound it by id, with no second index to maintain.
create table usage_events (
  account_id text not null,
  usage_event_id text collate "C" not null,
  idempotency_key text not null,
  transaction_id text,
  member_account_id text,
  feature text,
  provider text,
  model text,
  conversation_id text,
  success boolean not null,
  latency_ms integer check (latency_ms >= 0),
  input_tokens bigint not null default 0 check (input_tokens >= 0),
  cache_read_tokens bigint not null default 0 check (cache_read_tokens >= 0),
  cache_write_tokens bigint not null default 0 check (cache_write_tokens >= 0),
  output_tokens bigint not null default 0 check (output_tokens >= 0),
  reasoning_tokens bigint not null default 0 check (reasoning_tokens >= 0),
  images bigint not null default 0 check (images >= 0),
  audio_seconds numeric not null default 0 check (audio_seconds >= 0),
  requests bigint not null default 0 check (requests >= 0),
  -- Exact USD: what the provider charged us (catalog price or its own report).
  provider_cost_usd numeric not null default 0 check (provider_cost_usd >= 0),
  provider_reported_cost_usd numeric check (provider_reported_cost_usd >= 0),
  cost_source text not null check (cost_source in ('catalog', 'override', 'fallback', 'provider_reported', 'feature')),
  unit text not null,
  charged_minor bigint not null default 0 check (charged_minor >= 0),
  -- The charge in USD at the snapshot's conversion, so margin = charged_usd - provider_cost_usd.
  charged_usd numeric check (charged_usd >= 0),
  price_snapshot_id text not null,
  metadata jsonb,
  created_at timestamptz not null,
  primary key (account_id, usage_event_id),
  check ((transaction_id is null) = (charged_minor = 0))
);
create index usage_events_conversation on usage_events (account_id, conversation_id, usage_event_id)
  where conversation_id is not null;
create trigger usage_events_append_only before update or delete on usage_events
  for each row execute function forbid_change();
