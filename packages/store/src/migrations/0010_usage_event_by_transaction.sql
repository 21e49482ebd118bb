-- An account's history says which usage event each charge or settlement paid for
-- (history.ts): the event is found by its transaction, by index, one lookup per line.
create index usage_events_transaction on usage_events (account_id, transaction_id)
  where transaction_id is not null;
