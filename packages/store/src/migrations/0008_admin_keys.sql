-- Admin keys (packages/store/src/api-keys.ts): a secret key that may also manage secret keys
-- and check the whole ledger (reconcile). The first key `tollgate serve` creates on a fresh
-- embedded deployment is one. Existing secret keys stay plain secret keys.
alter table api_keys add column admin boolean not null default false;
-- Only a secret key can be an admin key: a customer token acts as one account, never as the operator.
alter table api_keys add constraint api_keys_admin_is_secret check (not admin or kind = 'secret');
