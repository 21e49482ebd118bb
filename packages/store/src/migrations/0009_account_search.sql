-- GET /v1/accounts?search= finds accounts whose external id starts with the search text
-- (list-accounts.ts): a range on the external id in byte order, which this index serves
-- whatever the database's collation, and whatever plan a prepared statement settles on
-- (a LIKE with a parameter cannot use an index in a generic plan).
create index accounts_external_id_search on accounts (external_id collate "C");
