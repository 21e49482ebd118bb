-- The operator's overview (GET /v1/overview) sums every account's usage of the last day and
-- the last 30 days. The primary key leads with account_id, so without this a window over all
-- accounts reads the whole table. A BRIN index fits: rows arrive in time order, so a summary
-- per range of blocks finds a time range, and it costs the hot path's inserts almost nothing
-- (no entry per row, as a B-tree would add). A range filled since the last summary is read
-- whole until it is summarized: autovacuum does it (autosummarize), and the overview asks for
-- it too before it reads (PGlite has no autovacuum).
create index usage_events_created_at on usage_events using brin (created_at) with (autosummarize = on);
