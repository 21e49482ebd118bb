-- The operator's overview (GET /v1/overview) sums every account's usage of the last day and
-- the last 30 days. The primary key leads with account_id, so without this a window over all
-- accounts reads the whole table. A BRIN index fits: rows arrive in time order, so a range of
-- blocks per time range is exact enough, and it costs the hot path's inserts almost nothing
-- (one summary per 128 pages, not one entry per row as a B-tree would).
create index usage_events_created_at on usage_events using brin (created_at);
