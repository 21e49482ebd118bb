-- Plans and subscriptions. A plan's definition is versioned by its content: a changed definition
-- in the configuration is a new version, and subscribers keep the version they were sold
-- (grandfathering) until they are moved (Ledger.migrateSubscribers).
create table plan_versions (
  plan_id text collate "C" not null check (plan_id ~ '^[a-z0-9_-]{1,64}$'),
  version integer not null check (version >= 1),
  -- The PlanDefinition as JSON, its bigints as decimal strings (store/src/plans/plan-json.ts).
  definition jsonb not null,
  definition_hash text not null,
  created_at timestamptz not null default now(),
  primary key (plan_id, version),
  unique (plan_id, definition_hash)
);

-- One row per account: its subscription, canceled ones included until the account subscribes
-- again. Written by the batch that changes it, under the account's row lock, in the statement
-- that writes the period's grants: a period is advanced and granted together or not at all.
create table subscriptions (
  account_id text primary key references accounts,
  subscription_id text not null unique,
  plan_id text collate "C" not null,
  plan_version integer not null,
  status text not null check (status in ('active', 'past_due', 'canceled')),
  anchor_at timestamptz not null,
  period_start timestamptz not null,
  period_end timestamptz not null check (period_end > period_start),
  pending_plan_id text collate "C",
  pending_plan_version integer,
  cancel_at_period_end boolean not null default false,
  canceled_at timestamptz,
  version bigint not null check (version >= 0),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  foreign key (plan_id, plan_version) references plan_versions,
  foreign key (pending_plan_id, pending_plan_version) references plan_versions,
  check ((pending_plan_id is null) = (pending_plan_version is null)),
  check (status = 'canceled' or canceled_at is null)
);

-- The renewal job's question: which active subscriptions' periods have ended.
create index subscriptions_due on subscriptions (period_end) where status = 'active';
-- Grandfathering: who is on a given version.
create index subscriptions_plan on subscriptions (plan_id, plan_version);

-- A period's allocation is granted once: its grant carries the key
-- tollgate:plan:<subscription>:<period start>:<allocation>, unique per account, so a second grant
-- of the same period fails its batch instead of paying twice.
create unique index transactions_plan_period on transactions (account_id, idempotency_key)
  where idempotency_key like 'tollgate:plan:%';
