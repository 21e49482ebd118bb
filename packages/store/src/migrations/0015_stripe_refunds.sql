-- Stripe refunds and automatic top-ups (docs/operating/stripe.md, "Refunds" and "Automatic
-- top-up"): a refunded pack purchase takes back what is unspent of its lot, in proportion to what
-- was refunded, once per refund; an account whose available balance falls below its threshold
-- buys a pack with its saved payment method, once per crossing.

-- A claw-back debits a grant's lot (to system:issuance) by at most what it has free. Several may
-- undo one grant (one per partial refund), so it is its own kind, outside the one-reversal index.
alter table transactions drop constraint transactions_kind_check;
alter table transactions add constraint transactions_kind_check
  check (kind in ('grant', 'charge', 'settle', 'refund', 'reversal', 'deduction', 'expiry', 'clawback'));

-- What a pack purchase paid for, kept when it is granted: a refund names its charge's payment
-- intent, and this is how it finds the grant (and so the lot) to claw back from. `refunded_minor`
-- is the most of the charge (in the currency's minor units) whose refund has been taken into
-- account, so each refund is counted once whatever the order of the events that report it.
create table stripe_pack_purchases (
  payment_intent_id text collate "C" primary key check (payment_intent_id ~ '^pi_[A-Za-z0-9_]{1,250}$'),
  -- Null for a pack bought by an automatic top-up (a payment intent of its own, no checkout).
  checkout_session_id text collate "C" unique,
  account_id text collate "C" not null,
  pack_id text not null,
  unit text not null,
  grant_transaction_id text collate "C" not null,
  granted_minor bigint not null check (granted_minor > 0),
  refunded_minor bigint not null default 0 check (refunded_minor >= 0),
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- One row per step of a charge's refunded total (from `refunded_before_minor` to
-- `refunded_after_minor`), claimed in the same statement that raises the purchase's
-- `refunded_minor`: a redelivery finds its step and runs its claw-back again under the same ledger
-- key (idempotent), an event whose total a later one already covered finds none.
create table stripe_refund_claw_backs (
  charge_id text collate "C" not null check (charge_id ~ '^(ch|py)_[A-Za-z0-9_]{1,250}$'),
  refunded_after_minor bigint not null check (refunded_after_minor > 0),
  payment_intent_id text collate "C" not null references stripe_pack_purchases,
  refunded_before_minor bigint not null check (refunded_before_minor >= 0 and refunded_before_minor < refunded_after_minor),
  charge_amount_minor bigint not null check (charge_amount_minor >= refunded_after_minor),
  -- Filled in when the claw-back ran: what was asked for, taken, and could not be (spent).
  requested_minor bigint,
  clawed_back_minor bigint,
  shortfall_minor bigint,
  transaction_id text collate "C",
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (charge_id, refunded_after_minor)
);

-- An account's automatic top-up: when its available balance in `unit` (the pack's) falls below
-- `threshold_minor`, the pack is bought off-session with its Stripe customer's saved payment method.
create table auto_top_ups (
  account_id text not null references accounts,
  unit text not null references units,
  threshold_minor bigint not null check (threshold_minor > 0),
  pack_id text not null check (pack_id ~ '^[a-z0-9_-]{1,64}$'),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (account_id, unit)
);

-- One row per crossing below the threshold, written by the trigger below in the transaction of the
-- batch that crossed (never a check after the fact: a dip and a recovery between two polls is not
-- missed, and a balance that stays below is not counted again). The background job takes `due`
-- rows (`for update skip locked`), asks Stripe for the payment under the key
-- `tollgate_auto_top_up_<crossing id>` (`requested`), and the payment's webhook ends it
-- (`succeeded`, with the pack granted once, or `failed`, never retried in a loop).
create table auto_top_up_crossings (
  crossing_id bigint generated always as identity primary key,
  account_id text collate "C" not null,
  unit text not null,
  pack_id text not null,
  threshold_minor bigint not null,
  available_minor bigint not null,
  status text not null default 'due' check (status in ('due', 'requested', 'succeeded', 'failed')),
  -- Requests made for it: a job cut off after claiming retries under the same key, a few times.
  attempts integer not null default 0 check (attempts between 0 and 10),
  payment_intent_id text collate "C" unique,
  detail text check (length(detail) <= 1000),
  crossed_at timestamptz not null,
  updated_at timestamptz not null
);
create index auto_top_up_crossings_due on auto_top_up_crossings (updated_at) where status = 'due';
create index auto_top_up_crossings_account on auto_top_up_crossings (account_id, crossing_id desc);

-- Only a balance row whose available went down is looked at (the `when`), and only an account with
-- an automatic top-up in that unit costs a lookup: the hot path pays one comparison per row.
create function auto_top_up_crossing() returns trigger language plpgsql
set search_path from current as $$
begin
  insert into auto_top_up_crossings (account_id, unit, pack_id, threshold_minor, available_minor, crossed_at, updated_at)
  select new.account_id, new.unit, t.pack_id, t.threshold_minor, new.balance_minor - new.held_minor,
    new.updated_at, new.updated_at
  from auto_top_ups t
  where t.account_id = new.account_id and t.unit = new.unit
    and old.balance_minor - old.held_minor >= t.threshold_minor
    and new.balance_minor - new.held_minor < t.threshold_minor;
  return null;
end $$;
create trigger balances_auto_top_up after update on balances for each row
  when (new.balance_minor - new.held_minor < old.balance_minor - old.held_minor)
  execute function auto_top_up_crossing();
