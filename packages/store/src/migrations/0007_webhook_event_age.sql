-- The webhook purge (webhook-purge.ts) looks for the oldest events first: without this index
-- every pass would read the whole outbox.
create index webhook_events_created_at on webhook_events (created_at);
