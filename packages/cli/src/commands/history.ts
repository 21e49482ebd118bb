import type { Account } from "@tollgate/core";
import { HISTORY_LIMIT_MAX, type HistoryLine, type Ledger } from "@tollgate/store";
import type { Command } from "commander";
import { formatIn, parseLimit, resolveUnit } from "../amounts.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf, withLedger } from "../context.ts";
import {
  type AccountOptions,
  accountLabel,
  accountRefOf,
  findAccount,
  withAccountOptions,
} from "../legacy-account-options.ts";
import { table } from "../output.ts";

interface HistoryOptions extends AccountOptions {
  limit?: string;
  before?: string;
  unit?: string;
}

export function registerHistory(program: Command): void {
  withAccountOptions(program.command("history").description("an account's entries, newest first, a page at a time"))
    .option("--limit <n>", `entries per page (default 20, at most ${HISTORY_LIMIT_MAX})`)
    .option("--before <cursor>", "the cursor printed by the previous page")
    .option("--unit <unit>", "only this unit")
    .action(async (options: HistoryOptions, command: Command) => {
      const context = contextOf(command);
      const ref = accountRefOf(options);
      const limit = parseLimit(options.limit, { fallback: 20, max: HISTORY_LIMIT_MAX });
      if (options.before !== undefined && !/^\d{1,19}$/.test(options.before)) {
        throw invalidInput(`--before must be the cursor a previous page printed; got "${options.before}"`);
      }
      await withLedger(context, async (ledger) => {
        const unit = options.unit === undefined ? undefined : resolveUnit(ledger, options.unit).unit;
        const account = await findAccount(ledger, ref);
        const page = await ledger.history(
          { accountId: account.accountId },
          { limit, before: options.before ?? null, unit },
        );
        if (!page) throw new Error(`account ${account.accountId} vanished`);
        const lines = page.lines.map((line) => lineJson(ledger, line));
        const next = page.nextCursor ? nextPageCommand(account, limit, unit, page.nextCursor) : null;
        context.output.result({ accountId: account.accountId, lines, nextCursor: page.nextCursor }, () => [
          accountLabel(account),
          ...(lines.length === 0 ? ["no entries"] : []),
          ...table(
            lines.map((line) => [
              line.createdAt,
              line.kind,
              line.amount.startsWith("-") ? line.amount : `+${line.amount}`,
              line.unit,
              `→ ${line.balanceAfter}`,
              line.transactionId,
              line.reason ?? "",
            ]),
          ),
          ...(next ? ["", `next page: ${next}`] : []),
        ]);
      });
    });
}

function lineJson(ledger: Pick<Ledger, "units">, line: HistoryLine) {
  const amount = (minor: bigint) => formatIn(ledger, line.unit, minor);
  return {
    entryId: line.entryId,
    createdAt: line.createdAt.toISOString(),
    kind: line.kind,
    unit: line.unit,
    amount: amount(line.amountMinor),
    balanceBefore: amount(line.balanceBeforeMinor),
    balanceAfter: amount(line.balanceAfterMinor),
    transactionId: line.transactionId,
    lotId: line.lotId,
    holdId: line.holdId,
    reversesTransactionId: line.reversesTransactionId,
    reason: line.reason,
    idempotencyKey: line.idempotencyKey,
  };
}

function nextPageCommand(account: Account, limit: number, unit: string | undefined, cursor: string): string {
  return `tollgate history --account ${account.accountId} --limit ${limit}${unit ? ` --unit ${unit}` : ""} --before ${cursor}`;
}
