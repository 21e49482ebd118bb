-- The ledger: accounts, units, lots, holds, double-entry transactions and entries.
-- Every hot table leads with account_id, so a deployment can distribute by account (Citus).
-- Amounts are bigint minor units; there is no float or numeric money column anywhere.

create table units (
  unit text primary key check (unit ~ '^[a-z][a-z0-9_]{0,63}$'),
  scale smallint not null check (scale between 0 and 18),
  created_at timestamptz not null default now()
);

create table accounts (
  account_id text primary key,
  type text not null check (type in ('user', 'organization', 'guest', 'system')),
  external_id text not null check (length(external_id) between 1 and 256),
  overdraft_limit_minor bigint not null default 0 check (overdraft_limit_minor >= 0),
  created_at timestamptz not null default now(),
  unique (type, external_id)
);

insert into accounts (account_id, type, external_id) values
  ('system:issuance', 'system', 'issuance'),
  ('system:consumption', 'system', 'consumption'),
  ('system:expiry', 'system', 'expiry'),
  ('system:adjustment', 'system', 'adjustment');

-- balance = sum of the account's entries = sum of its live lots' remaining - debt.
create table balances (
  account_id text not null references accounts,
  unit text not null references units,
  balance_minor bigint not null,
  held_minor bigint not null check (held_minor >= 0),
  debt_minor bigint not null check (debt_minor >= 0),
  version bigint not null check (version >= 0),
  updated_at timestamptz not null,
  primary key (account_id, unit)
);

create table lots (
  account_id text not null references accounts,
  lot_id text not null,
  unit text not null references units,
  source text not null check (source in ('signup', 'plan', 'pack', 'purchase', 'promo', 'admin', 'refund')),
  priority integer not null,
  expires_at timestamptz,
  granted_minor bigint not null check (granted_minor >= 0),
  remaining_minor bigint not null check (remaining_minor >= 0),
  held_minor bigint not null check (held_minor >= 0 and held_minor <= remaining_minor),
  transaction_id text not null,
  created_at timestamptz not null,
  primary key (account_id, lot_id)
);
create unique index lots_lot_id on lots (lot_id);
create index lots_live on lots (account_id) where remaining_minor > 0;
create index lots_expiring on lots (expires_at) where remaining_minor > held_minor and expires_at is not null;

create table holds (
  account_id text not null references accounts,
  hold_id text not null,
  unit text not null references units,
  amount_minor bigint not null check (amount_minor > 0),
  captured_minor bigint not null check (captured_minor >= 0),
  status text not null check (status in ('active', 'settled', 'released', 'expired')),
  expires_at timestamptz not null,
  allocations jsonb not null,
  member_account_id text,
  transaction_id text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (account_id, hold_id)
);
create unique index holds_hold_id on holds (hold_id);
create index holds_active on holds (account_id) where status = 'active';
create index holds_expiring on holds (expires_at) where status = 'active';

create table transactions (
  account_id text not null,
  transaction_id text not null,
  kind text not null check (kind in ('grant', 'charge', 'settle', 'refund', 'reversal', 'deduction', 'expiry')),
  unit text not null,
  amount_minor bigint not null check (amount_minor > 0),
  reverses_transaction_id text,
  hold_id text,
  member_account_id text,
  reason text,
  idempotency_key text,
  created_at timestamptz not null,
  primary key (account_id, transaction_id)
);
create unique index transactions_transaction_id on transactions (transaction_id);
create index transactions_undoing on transactions (reverses_transaction_id) where reverses_transaction_id is not null;
-- A transaction is reversed at most once, whatever the concurrency.
create unique index transactions_one_reversal on transactions (reverses_transaction_id) where kind = 'reversal';

create table entries (
  account_id text not null,
  entry_id bigint generated always as identity,
  transaction_id text not null,
  unit text not null,
  amount_minor bigint not null check (amount_minor <> 0),
  lot_id text,
  balance_before_minor bigint,
  balance_after_minor bigint,
  version bigint,
  created_at timestamptz not null,
  primary key (account_id, entry_id),
  check ((balance_before_minor is null) = (balance_after_minor is null)),
  check (balance_after_minor is null or balance_after_minor = balance_before_minor + amount_minor)
);
create index entries_transaction on entries (transaction_id);

-- Transactions and entries are append-only: a correction is a reversing transaction.
create function forbid_change() returns trigger language plpgsql as $$
begin
  raise exception '% rows are append-only: correct them with a reversing transaction', tg_table_name;
end $$;
create trigger entries_append_only before update or delete on entries
  for each row execute function forbid_change();
create trigger transactions_append_only before update or delete on transactions
  for each row execute function forbid_change();

-- An idempotency key takes effect at most once per account; its first result is kept.
create table idempotency_keys (
  account_id text not null,
  idempotency_key text not null,
  request_hash text not null,
  result jsonb not null,
  created_at timestamptz not null,
  primary key (account_id, idempotency_key)
);

-- Users who may draw from an organization's balance, with an optional cap per unit.
create table members (
  account_id text not null references accounts,
  member_account_id text not null references accounts,
  created_at timestamptz not null default now(),
  primary key (account_id, member_account_id)
);

create table member_limits (
  account_id text not null,
  member_account_id text not null,
  unit text not null references units,
  cap_minor bigint check (cap_minor >= 0),
  spent_minor bigint not null check (spent_minor >= 0),
  held_minor bigint not null check (held_minor >= 0),
  primary key (account_id, member_account_id, unit),
  foreign key (account_id, member_account_id) references members
);
