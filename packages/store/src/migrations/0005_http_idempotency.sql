-- The HTTP API's Idempotency-Key (docs/reference/http-idempotency.md): one row per key a
-- caller has sent, holding first a reservation and then the response to replay.
--
-- Numbered 0005 because 0004 was written at the same time by someone else. migrate()
-- applies every version it has not recorded, in order, so a database that ran this file
-- before 0004 existed simply runs 0004 next; this file creates only its own table, so the
-- order between the two does not matter.
--
-- Separate from the ledger's own keys (transactions.idempotency_key): those make one ledger
-- operation happen once; these make one HTTP request answer once, whatever it did inside.
create table http_idempotency_keys (
  -- Who sent the key (the API key id, as the auth layer names it): the same key from two
  -- callers is two requests.
  scope text collate "C" not null check (length(scope) between 1 and 255),
  -- 1 to 255 printable ASCII characters without spaces, as the middleware accepts them.
  idempotency_key text collate "C" not null check (idempotency_key ~ '^[!-~]{1,255}$'),
  -- The request the key stands for: a second use must match all three, else it conflicts.
  request_method text not null check (request_method ~ '^[A-Z]{1,16}$'),
  -- Path and query string, as the client sent them.
  request_target text not null check (length(request_target) between 1 and 8192),
  request_body_sha256 text not null check (request_body_sha256 ~ '^[0-9a-f]{64}$'),
  state text not null check (state in ('in_progress', 'done')),
  -- While in progress: who holds the reservation, and until when. Only the holder may
  -- complete or release it; after locked_until another request may take it over (the
  -- holder's process is presumed dead) under a new token, so a late holder changes nothing.
  lock_token text,
  locked_until timestamptz,
  -- Once done: the response, replayed byte for byte. The body's cap is the hard limit; the
  -- middleware's own limit may only be lower.
  response_status smallint check (response_status between 100 and 599),
  response_headers jsonb,
  response_body bytea check (octet_length(response_body) <= 1048576),
  created_at timestamptz not null,
  completed_at timestamptz,
  -- After this the row is as good as gone: a new request may reuse the key, and
  -- purgeExpired() deletes it.
  expires_at timestamptz not null,
  primary key (scope, idempotency_key),
  check (
    (state = 'in_progress' and lock_token is not null and locked_until is not null
      and response_status is null and response_headers is null and response_body is null and completed_at is null)
    or (state = 'done' and lock_token is null and locked_until is null
      and response_status is not null and response_headers is not null and response_body is not null
      and completed_at is not null)
  )
);

-- purgeExpired() takes the oldest expired rows first, a bounded batch at a time.
create index http_idempotency_keys_expiry on http_idempotency_keys (expires_at);
