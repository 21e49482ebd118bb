-- Stripe refunds (docs/operating/stripe.md, "Refunds"): a refunded pack purchase takes back what
-- is unspent of its lot, in proportion to what was refunded, once per refund.

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
  checkout_session_id text collate "C" not null unique,
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
