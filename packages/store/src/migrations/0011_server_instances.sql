-- The server processes using this database, each beating a heartbeat about once a second
-- (server-instances.ts), so a reservation of an Idempotency-Key can name the process that
-- holds it. When that process's heartbeat stops (it crashed) or its row is gone (it shut
-- down, or a later process on the same embedded data directory found it dead), another
-- request may take the key over within seconds instead of waiting out the 60 s lock.
create table server_instances (
  id text collate "C" primary key check (length(id) between 1 and 64),
  started_at timestamptz not null,
  heartbeat_at timestamptz not null
);

-- Null for a reservation made without an instance (an app built outside `tollgate serve`,
-- or a row older than this migration): only its lock frees it. Not a foreign key: a missing
-- instance row is how a holder that is gone reads.
alter table http_idempotency_keys add column instance_id text collate "C"
  check (instance_id is null or state = 'in_progress');

-- The purge of instances long dead takes the oldest heartbeats first.
create index server_instances_heartbeat on server_instances (heartbeat_at);
