-- API keys (packages/store/src/api-keys.ts): secret keys for the app's backend, and customer
-- tokens scoped to one account. A token is shown once, when it is created, and never stored:
-- a row keeps the SHA-256 of the whole token, so a copy of this table authenticates nobody.
--
-- Not append-only: revocation and last use are recorded on the row. A key is never deleted, so
-- a key id in an old log line always names a row.
--
-- Not led by account_id: secret keys belong to no account, and a request's token must be found
-- before its account is known. On Citus this is a reference table (small, read-mostly).
create table api_keys (
  -- key_0193…: public, time-ordered (UUIDv7), what lists and logs show instead of the token.
  key_id text collate "C" primary key check (key_id ~ '^key_[0-9a-f]{32}$'),
  kind text not null check (kind in ('secret', 'customer')),
  -- Hex rather than bytea: one representation through both drivers, and still a single lookup.
  token_hash text collate "C" not null check (token_hash ~ '^[0-9a-f]{64}$'),
  -- The token's typed prefix and last 4 characters (tg_sk_...x7Qa), so a person can tell keys
  -- apart; 24 of its 256 random bits, far too few to guess the rest.
  hint text not null check (hint ~ '^tg_(sk|ct)_\.\.\.[A-Za-z0-9_-]{4}$'),
  name text check (length(name) between 1 and 100),
  account_id text references accounts,
  expires_at timestamptz,
  created_at timestamptz not null,
  -- No check against created_at: revoking must never fail, whatever the clocks of two hosts say.
  revoked_at timestamptz,
  last_used_at timestamptz,
  -- A customer token acts as exactly one account; a secret key as none in particular.
  check ((kind = 'customer') = (account_id is not null)),
  check (left(hint, 6) = case kind when 'secret' then 'tg_sk_' else 'tg_ct_' end),
  check (expires_at is null or expires_at > created_at)
);
-- How a request's token is found: by the hash of what it presented.
create unique index api_keys_token_hash on api_keys (token_hash);
-- An account's tokens, in creation order.
create index api_keys_account on api_keys (account_id, key_id) where account_id is not null;
