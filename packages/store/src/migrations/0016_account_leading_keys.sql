-- Every unique index of a hot table leads with account_id (docs/operating/scaling.md), so a
-- deployment that outgrows one primary can distribute these tables by account on Citus, which
-- enforces a unique index only when it holds the distribution column. The ids below are made by
-- the server (UUIDv7, `new-id.ts`), never by a client, so their uniqueness never rested on these
-- indexes; what used them looks an id up, and a plain index serves that as well.
drop index holds_hold_id;
create index holds_hold_id on holds (hold_id);
drop index lots_lot_id;
create index lots_lot_id on lots (lot_id);
drop index transactions_transaction_id;
create index transactions_transaction_id on transactions (transaction_id);
drop index webhook_events_event_id;
create index webhook_events_event_id on webhook_events (event_id);
drop index webhook_deliveries_delivery_id;
create index webhook_deliveries_delivery_id on webhook_deliveries (delivery_id);

-- A reversal is written on the account of the transaction it undoes (the ledger finds that
-- account from the transaction), so one reversal per transaction is the same rule per account.
drop index transactions_one_reversal;
create unique index transactions_one_reversal on transactions (account_id, reverses_transaction_id)
  where kind = 'reversal';

-- One subscription per account is the primary key; the id alone is looked up, never conflicted on.
alter table subscriptions drop constraint subscriptions_subscription_id_key;
create index subscriptions_subscription_id on subscriptions (subscription_id);

-- A crossing is written by the balances trigger in the batch's transaction, on the account's
-- shard: its key names the account. A payment intent pays for one account's crossing.
alter table auto_top_up_crossings drop constraint auto_top_up_crossings_pkey;
alter table auto_top_up_crossings add primary key (account_id, crossing_id);
create index auto_top_up_crossings_crossing on auto_top_up_crossings (crossing_id);
alter table auto_top_up_crossings drop constraint auto_top_up_crossings_payment_intent_id_key;
create unique index auto_top_up_crossings_payment_intent on auto_top_up_crossings (account_id, payment_intent_id);
create index auto_top_up_crossings_by_payment_intent on auto_top_up_crossings (payment_intent_id)
  where payment_intent_id is not null;

-- The operator dashboard's sessions (docs/guides/dashboard.md, "Security"): the cookie holds a
-- random session token, never a key; the row keeps its SHA-256, the admin key it stands for, and
-- when it ends. Signing out deletes the row; a revoked or expired key ends its sessions at their
-- next request (checked against api_keys every time). Per admin key, not per account.
create table dashboard_sessions (
  token_hash bytea primary key check (length(token_hash) = 32),
  key_id text collate "C" not null references api_keys on delete cascade,
  created_at timestamptz not null,
  expires_at timestamptz not null check (expires_at > created_at)
);
create index dashboard_sessions_expiry on dashboard_sessions (expires_at);
