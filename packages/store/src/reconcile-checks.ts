/**
 * The invariants `reconcile` checks, one SQL query each. A query returns only rows that
 * disagree, shaped like a `ReconcileMismatch` in snake_case (absent columns read as null),
 * so every sum is computed by PostgreSQL and nothing but the mismatches crosses the wire.
 */

export interface ReconcileCheckDefinition {
  name: string;
  description: string;
  sql: string;
}

/** Customer entries: system accounts keep no running balance, chain or lots. */
const CUSTOMER_ENTRIES = `select e.* from entries e join accounts a on a.account_id = e.account_id and a.type <> 'system'`;

/** Per customer account and unit: the stored balance row beside everything it should agree with. */
const BALANCE_FACTS = `
  with entry_sums as (
    select account_id, unit, sum(amount_minor) as entries_minor,
      -coalesce(sum(amount_minor) filter (where lot_id is null), 0) as debt_minor
    from (${CUSTOMER_ENTRIES}) e group by account_id, unit
  ),
  lot_sums as (select account_id, unit, sum(remaining_minor) as remaining_minor, sum(held_minor) as held_minor
    from lots group by account_id, unit),
  hold_sums as (select account_id, unit, sum(amount_minor) as held_minor
    from holds where status = 'active' group by account_id, unit),
  keys as (select account_id, unit from balances union select account_id, unit from entry_sums
    union select account_id, unit from lot_sums union select account_id, unit from hold_sums)
  select k.account_id, k.unit, coalesce(b.balance_minor, 0) as balance_minor, coalesce(b.held_minor, 0) as held_minor,
    coalesce(b.debt_minor, 0) as debt_minor, coalesce(es.entries_minor, 0) as entries_minor,
    coalesce(es.debt_minor, 0) as entry_debt_minor, coalesce(ls.remaining_minor, 0) as lots_remaining_minor,
    coalesce(ls.held_minor, 0) as lots_held_minor, coalesce(hs.held_minor, 0) as holds_minor
  from keys k left join balances b using (account_id, unit) left join entry_sums es using (account_id, unit)
    left join lot_sums ls using (account_id, unit) left join hold_sums hs using (account_id, unit)`;

/** Compares columns of BALANCE_FACTS, one mismatch row per pair that differs. */
const compareBalanceFacts = (pairs: Array<[field: string, expected: string, actual: string]>) => `
  select f.account_id, f.unit, v.field, 'amount' as measure, v.expected::text as expected, v.actual::text as actual
  from (${BALANCE_FACTS}) f cross join lateral (values
    ${pairs.map(([field, expected, actual]) => `('${field}', ${expected}::numeric, ${actual}::numeric)`).join(",\n    ")}
  ) v(field, expected, actual)
  where v.expected <> v.actual`;

const CHAIN = `
  select account_id, unit, transaction_id, version, balance_before_minor, balance_after_minor,
    row_number() over w as position, lag(balance_after_minor) over w as previous_after_minor
  from (${CUSTOMER_ENTRIES}) e
  window w as (partition by account_id, unit order by version, entry_id)`;

export const RECONCILE_CHECKS: ReadonlyArray<ReconcileCheckDefinition> = [
  {
    name: "units_sum_to_zero",
    description: "Per unit, the entries of all accounts, system accounts included, sum to zero.",
    sql: `select unit, 'sum(entries.amount_minor)' as field, 'amount' as measure, '0' as expected,
      sum(amount_minor)::text as actual from entries group by unit having sum(amount_minor) <> 0`,
  },
  {
    name: "transactions_balance",
    description: "Every transaction has at least two entries, and they sum to zero per unit.",
    sql: `
      select t.account_id, s.unit, s.transaction_id, 'sum(entries.amount_minor) of the transaction' as field,
        'amount' as measure, '0' as expected, s.sum_minor::text as actual
      from (select transaction_id, unit, sum(amount_minor) as sum_minor from entries group by transaction_id, unit) s
        left join transactions t using (transaction_id)
      where s.sum_minor <> 0
      union all
      select t.account_id, t.unit, t.transaction_id, 'count(entries) of the transaction, at least', 'count', '2',
        count(e.transaction_id)::text
      from transactions t left join entries e using (transaction_id)
      group by t.account_id, t.unit, t.transaction_id having count(e.transaction_id) < 2`,
  },
  {
    name: "balance_matches_entries",
    description: "Per account and unit, the stored balance equals the sum of the account's entries.",
    sql: compareBalanceFacts([["balances.balance_minor = sum(entries)", "entries_minor", "balance_minor"]]),
  },
  {
    name: "balance_matches_lots",
    description: "Per account and unit, the stored balance equals the sum of its lots' remaining minus its debt.",
    sql: compareBalanceFacts([
      [
        "balances.balance_minor = sum(lots.remaining_minor) - debt_minor",
        "lots_remaining_minor - debt_minor",
        "balance_minor",
      ],
    ]),
  },
  {
    name: "debt_matches_entries",
    description: "Per account and unit, the recorded debt equals minus the sum of its entries on no lot.",
    sql: compareBalanceFacts([["balances.debt_minor = -sum(entries without a lot)", "entry_debt_minor", "debt_minor"]]),
  },
  {
    name: "lot_remaining_matches_entries",
    description: "Each lot's remaining amount equals the sum of the entries on that lot.",
    sql: `
      select l.account_id, l.unit, l.lot_id, 'lots.remaining_minor = sum(entries on the lot)' as field,
        'amount' as measure, coalesce(s.sum_minor, 0)::text as expected, l.remaining_minor::text as actual
      from lots l left join (select lot_id, sum(amount_minor) as sum_minor from entries
        where lot_id is not null group by lot_id) s using (lot_id)
      where coalesce(s.sum_minor, 0) <> l.remaining_minor`,
  },
  {
    name: "held_matches_holds",
    description: "Per account and unit, held equals the sum of its active holds and the sum of its lots' held.",
    sql: compareBalanceFacts([
      ["balances.held_minor = sum(active holds)", "holds_minor", "held_minor"],
      ["balances.held_minor = sum(lots.held_minor)", "lots_held_minor", "held_minor"],
    ]),
  },
  {
    name: "hold_allocations",
    description:
      "Each active hold's allocations sum to its amount, and each lot's held is what active holds reserve of it.",
    sql: `
      with allocations as (
        select h.account_id, h.hold_id, h.unit, h.amount_minor, a.value ->> 'lotId' as lot_id,
          (a.value ->> 'amountMinor')::numeric as allocated_minor
        from holds h cross join lateral jsonb_array_elements(h.allocations) a where h.status = 'active'
      )
      select h.account_id, h.unit, h.hold_id, null as lot_id, 'sum(holds.allocations) = holds.amount_minor' as field,
        'amount' as measure, h.amount_minor::text as expected, coalesce(sum(a.allocated_minor), 0)::text as actual
      from holds h left join allocations a using (hold_id)
      where h.status = 'active' group by h.account_id, h.unit, h.hold_id, h.amount_minor
      having coalesce(sum(a.allocated_minor), 0) <> h.amount_minor
      union all
      select coalesce(l.account_id, s.account_id), coalesce(l.unit, s.unit), null, lot_id,
        'lots.held_minor = sum(active holds'' allocations of the lot)', 'amount',
        coalesce(s.allocated_minor, 0)::text, coalesce(l.held_minor, 0)::text
      from lots l full join (select lot_id, min(account_id) as account_id, min(unit) as unit,
        sum(allocated_minor) as allocated_minor from allocations group by lot_id) s using (lot_id)
      where coalesce(s.allocated_minor, 0) <> coalesce(l.held_minor, 0)`,
  },
  {
    name: "available_within_overdraft",
    description:
      "Per account and unit, available (balance - held) is at least minus the account's allowance, " +
      "and the recorded debt is at most it: the account's overdraft limit, or for an account that has " +
      "had a subscription, the larger of that and the largest overage any plan version allows in the unit " +
      "(a plan change or cancellation leaves what the earlier plan allowed owed until grants repay it).",
    sql: `
      with plan_overage as (
        select definition->'overage'->>'unit' as unit, max((definition->'overage'->>'limitMinor')::bigint) as limit_minor
        from plan_versions where definition->'overage'->>'policy' = 'allow' group by 1
      ), allowance as (
        select b.account_id, b.unit, b.balance_minor, b.held_minor, b.debt_minor,
          case when s.account_id is null then a.overdraft_limit_minor
            else greatest(a.overdraft_limit_minor, coalesce(po.limit_minor, 0)) end as limit_minor
        from balances b join accounts a using (account_id)
        left join subscriptions s using (account_id)
        left join plan_overage po on po.unit = b.unit
      )
      select account_id, unit, 'balance_minor - held_minor >= -allowance' as field,
        'amount' as measure, (-limit_minor)::text as expected, (balance_minor - held_minor)::text as actual
      from allowance
      where balance_minor - held_minor < -limit_minor
      union all
      select account_id, unit, 'debt_minor <= allowance', 'amount', limit_minor::text, debt_minor::text
      from allowance
      where debt_minor > limit_minor`,
  },
  {
    name: "entry_chain",
    description:
      "Per account and unit, entry versions run 1..n, each balance_before is the previous balance_after, " +
      "and the last balance_after and n are the stored balance and version.",
    sql: `
      with chain as (${CHAIN})
      select c.account_id, c.unit, c.transaction_id, v.field, v.measure, v.expected, v.actual
      from chain c cross join lateral (values
        ('entries.version = position in the chain', 'count', c.position::text, coalesce(c.version::text, 'null')),
        ('entries.balance_before_minor = previous balance_after_minor', 'amount',
          coalesce(c.previous_after_minor, 0)::text, coalesce(c.balance_before_minor::text, 'null'))
      ) v(field, measure, expected, actual)
      where v.expected <> v.actual
      union all
      select account_id, unit, null, v.field, v.measure, v.expected, v.actual
      from balances b full join (select distinct on (account_id, unit) account_id, unit, position, balance_after_minor
        from chain order by account_id, unit, position desc) last using (account_id, unit)
      cross join lateral (values
        ('balances.version = count(entries)', 'count', coalesce(last.position, 0)::text, coalesce(b.version, 0)::text),
        ('balances.balance_minor = last balance_after_minor', 'amount',
          coalesce(last.balance_after_minor::text, '0'), coalesce(b.balance_minor, 0)::text)
      ) v(field, measure, expected, actual)
      where v.expected <> v.actual`,
  },
  {
    name: "entry_references",
    description: "Every entry names an existing account and transaction, and a lot of the same account and unit.",
    sql: `
      select e.account_id, e.unit, e.transaction_id, e.lot_id, v.field, 'id' as measure, v.expected, v.actual
      from entries e left join accounts a using (account_id) left join transactions t using (transaction_id)
        left join lots l on l.lot_id = e.lot_id
      cross join lateral (values
        ('entries.account_id exists', e.account_id, a.account_id),
        ('entries.transaction_id exists', e.transaction_id, t.transaction_id),
        ('the entry''s lot exists in its account and unit', e.lot_id,
          case when l.account_id = e.account_id and l.unit = e.unit then l.lot_id end)
      ) v(field, expected, actual)
      where v.expected is not null and v.actual is null`,
  },
  {
    name: "idempotency",
    description:
      "Each successful keyed operation made at most one transaction: no two transactions of an account share " +
      "a key, each keyed transaction is the one its idempotency record names (but a plan's grants, keyed " +
      "tollgate:plan:… per subscription and period, which renewal makes without a record), and only expiries have no key.",
    sql: `
      select account_id, unit, transaction_id, idempotency_key, 'count(transactions) with this idempotency key' as field,
        'count' as measure, '1' as expected, n::text as actual
      from (select *, count(*) over (partition by account_id, idempotency_key) as n from transactions
        where idempotency_key is not null) t where n > 1
      union all
      select t.account_id, t.unit, t.transaction_id, t.idempotency_key, 'idempotency_keys.result names the transaction',
        'id', t.transaction_id, coalesce(k.result -> 'value' ->> 'transactionId', 'null')
      from transactions t left join idempotency_keys k using (account_id, idempotency_key)
      where t.idempotency_key is not null and t.idempotency_key not like 'tollgate:plan:%'
        and (k.result -> 'value' ->> 'transactionId') is distinct from t.transaction_id
      union all
      select account_id, unit, transaction_id, null, 'transactions.idempotency_key is set (all but expiries)', 'id',
        'a key', 'null'
      from transactions where idempotency_key is null and kind <> 'expiry'`,
  },
  {
    name: "undo_bounds",
    description:
      "A transaction is reversed at most once, refunds and reversals never return more than it moved, " +
      "and each names an existing transaction of the same account.",
    sql: `
      select o.account_id, o.unit, o.transaction_id, v.field, v.measure, v.expected, v.actual
      from transactions o join (select reverses_transaction_id, sum(amount_minor) as undone_minor,
        count(*) filter (where kind = 'reversal') as reversals from transactions
        where reverses_transaction_id is not null group by reverses_transaction_id) u
        on u.reverses_transaction_id = o.transaction_id
      cross join lateral (values
        ('count(reversals), at most', 'count', '1', u.reversals::text, u.reversals > 1),
        ('sum(refunds and reversals) <= transactions.amount_minor', 'amount', o.amount_minor::text,
          u.undone_minor::text, u.undone_minor > o.amount_minor)
      ) v(field, measure, expected, actual, failed)
      where v.failed
      union all
      select u.account_id, u.unit, u.transaction_id, 'reverses_transaction_id names a transaction of the account',
        'id', u.reverses_transaction_id, coalesce(o.transaction_id, 'null')
      from transactions u left join transactions o
        on o.transaction_id = u.reverses_transaction_id and o.account_id = u.account_id and o.unit = u.unit
      where u.reverses_transaction_id is not null and o.transaction_id is null`,
  },
  {
    name: "member_held_matches_holds",
    description: "Each organization member's held equals the sum of the member's active holds.",
    sql: `
      select account_id, member_account_id, unit, 'member_limits.held_minor = sum(the member''s active holds)' as field,
        'amount' as measure, coalesce(h.held_minor, 0)::text as expected, coalesce(l.held_minor, 0)::text as actual
      from member_limits l full join (select account_id, member_account_id, unit, sum(amount_minor) as held_minor
        from holds where status = 'active' and member_account_id is not null
        group by account_id, member_account_id, unit) h using (account_id, member_account_id, unit)
      where coalesce(h.held_minor, 0) <> coalesce(l.held_minor, 0)`,
  },
  {
    name: "usage_event_charges",
    description:
      "Each usage event that charged points to a charge or settlement of its account and unit for exactly what it charged, no transaction pays for two usage events, and every event's price snapshot is stored.",
    sql: `
      select u.account_id, u.unit, u.transaction_id, 'usage_events.charged_minor = the transaction''s amount' as field,
        'amount' as measure, u.charged_minor::text as expected, coalesce(t.amount_minor::text, 'no such transaction') as actual
      from usage_events u left join transactions t on t.transaction_id = u.transaction_id and t.account_id = u.account_id
        and t.unit = u.unit and t.kind in ('charge', 'settle')
      where u.transaction_id is not null and (t.transaction_id is null or t.amount_minor <> u.charged_minor)
      union all
      select account_id, unit, transaction_id, 'count(usage events paid by the transaction), at most', 'count', '1',
        count(*)::text
      from usage_events where transaction_id is not null group by account_id, unit, transaction_id having count(*) > 1
      union all
      select u.account_id, u.unit, u.transaction_id, 'usage_events.price_snapshot_id names a stored snapshot', 'id',
        'a price_snapshots row', u.price_snapshot_id
      from usage_events u where not exists (select 1 from price_snapshots s where s.price_snapshot_id = u.price_snapshot_id)`,
  },
];
