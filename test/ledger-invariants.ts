import assert from "node:assert/strict";
import type { SqlExecutor } from "@tollgate/store";

/**
 * The invariants of DESIGN.md checked straight in SQL: per unit entries sum to zero;
 * per account and unit balance = Σ entries = Σ live lots − debt, held = Σ active holds.
 */
export async function expectLedgerInvariants(sql: SqlExecutor): Promise<void> {
  const unbalancedUnits = await sql.query(
    "select unit, sum(amount_minor) from entries group by unit having sum(amount_minor) <> 0",
  );
  assert.deepEqual(unbalancedUnits, [], "entries of every unit sum to zero");
  const mismatches = await sql.query(`
    select b.account_id, b.unit, b.balance_minor, e.total as entries, l.remaining, b.debt_minor, b.held_minor, h.held
    from balances b
    left join (select account_id, unit, sum(amount_minor) as total from entries group by 1, 2) e using (account_id, unit)
    left join (select account_id, unit, sum(remaining_minor) as remaining from lots group by 1, 2) l using (account_id, unit)
    left join (select account_id, unit, sum(amount_minor) as held from holds where status = 'active' group by 1, 2) h
      using (account_id, unit)
    where b.balance_minor <> coalesce(e.total, 0)
       or b.balance_minor <> coalesce(l.remaining, 0) - b.debt_minor
       or b.held_minor <> coalesce(h.held, 0)
       or b.balance_minor - b.held_minor < 0`);
  assert.deepEqual(mismatches, [], "balances agree with entries, lots and holds");
}
