-- Every charge updates the lots it draws from. With remaining_minor in the predicates of
-- lots_live and lots_expiring, no such update could be HOT: each one inserted into all four
-- lot indexes. `live` changes only when a lot empties (or a refund refills it), so the
-- partial indexes are keyed on it instead, and a draw that leaves the lot non-empty is a HOT
-- update. Free space per page (fillfactor) lets the new row version stay on its page.
alter table lots set (fillfactor = 80);
alter table balances set (fillfactor = 80);
alter table lots add column live boolean generated always as (remaining_minor > 0) stored;
drop index lots_live;
drop index lots_expiring;
create index lots_live on lots (account_id) where live;
create index lots_expiring on lots (expires_at) where live and expires_at is not null;
