import type { BatchContext, PriorTransaction } from "@tollgate/core";
import { type EntryDbRow, type TransactionDbRow, toEntry, toTransaction } from "./rows.ts";
import type { SqlExecutor } from "./sql-client.ts";

/** Loads the transactions that refunds and reversals name, with every undo of them so far. */
export async function loadPriors(tx: SqlExecutor, ctx: BatchContext, priorIds: string[]): Promise<string[]> {
  const transactions = await tx.query<TransactionDbRow>(
    `select * from transactions where transaction_id = any($1::text[]) or reverses_transaction_id = any($1::text[])
     order by created_at, transaction_id`,
    [priorIds],
  );
  const entries = await tx.query<EntryDbRow>(
    "select * from entries where transaction_id = any($1::text[]) order by entry_id",
    [transactions.map((row) => row.transaction_id)],
  );
  const byTransaction = new Map<string, PriorTransaction>();
  for (const row of transactions) {
    if (priorIds.includes(row.transaction_id)) {
      byTransaction.set(row.transaction_id, {
        record: toTransaction(row),
        entries: [],
        refundedMinor: 0n,
        reversed: false,
      });
    }
  }
  for (const row of transactions) {
    const prior = row.reverses_transaction_id ? byTransaction.get(row.reverses_transaction_id) : undefined;
    if (!prior) continue;
    if (row.kind === "refund") prior.refundedMinor += row.amount_minor;
    if (row.kind === "reversal") prior.reversed = true;
  }
  const undoing = new Map(
    transactions.map((row) => [row.transaction_id, row.reverses_transaction_id ?? row.transaction_id]),
  );
  const lotIds = new Set<string>();
  for (const row of entries) {
    const prior = byTransaction.get(undoing.get(row.transaction_id) ?? "");
    if (!prior) continue;
    prior.entries.push(toEntry(row));
    if (row.lot_id) lotIds.add(row.lot_id);
  }
  for (const [id, prior] of byTransaction) ctx.priorTransactions.set(id, prior);
  return [...lotIds];
}
