import {
  type Ledger,
  RECONCILE_CHECKS,
  type ReconcileMismatch,
  type ReconcileReport,
  reconcile,
} from "@tollgate/store";
import type { Command } from "commander";
import { formatIn } from "../amounts.ts";
import { CliError, EXIT } from "../cli-error.ts";
import { contextOf, storageLabel, withLedger } from "../context.ts";

export function registerReconcile(program: Command): void {
  program
    .command("reconcile")
    .description("recompute every balance from entries and lots and check every invariant; exits 1 on any mismatch")
    .addHelpText(
      "after",
      `\nChecks:\n${RECONCILE_CHECKS.map((check) => `  ${check.name}: ${check.description}`).join("\n")}`,
    )
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      context.output.progress(`reconciling ${storageLabel(context.config)}…`);
      await withLedger(context, async (ledger) => {
        const report = await reconcile(ledger.sql, {
          onCheck: (check) =>
            context.output.progress(`  ${check.mismatches.length === 0 ? "ok  " : "FAIL"} ${check.name}`),
        });
        context.output.result(reportJson(ledger, report), () => reportLines(ledger, report));
        if (!report.ok) {
          const count = report.checks.reduce((sum, check) => sum + check.mismatches.length, 0);
          throw new CliError("reconcile_failed", `${count} mismatches`, EXIT.failed, {}, true);
        }
      });
    });
}

/** Amounts as decimal strings in their unit's scale; counts and ids as they are. */
function formatValue(ledger: Pick<Ledger, "units">, mismatch: ReconcileMismatch, value: string): string {
  if (mismatch.measure !== "amount" || mismatch.unit === null || !/^-?\d+$/.test(value)) return value;
  return formatIn(ledger, mismatch.unit, BigInt(value));
}

function reportJson(ledger: Pick<Ledger, "units">, report: ReconcileReport) {
  return {
    ok: report.ok,
    checkedAt: report.checkedAt.toISOString(),
    summary: report.summary,
    checks: report.checks.map((check) => ({
      ...check,
      mismatches: check.mismatches.map((mismatch) => ({
        ...mismatch,
        expected: formatValue(ledger, mismatch, mismatch.expected),
        actual: formatValue(ledger, mismatch, mismatch.actual),
      })),
    })),
  };
}

function reportLines(ledger: Pick<Ledger, "units">, report: ReconcileReport): string[] {
  const { summary } = report;
  const lines = [
    `${summary.accounts} accounts, ${summary.units} units, ${summary.transactions} transactions, ` +
      `${summary.entries} entries, ${summary.lots} lots, ${summary.activeHolds} active holds`,
  ];
  if (summary.holdsDueToExpire + summary.lotsDueToExpire > 0) {
    lines.push(`${summary.holdsDueToExpire} holds and ${summary.lotsDueToExpire} lots are due for the expiry sweep`);
  }
  for (const check of report.checks) {
    if (check.mismatches.length === 0) continue;
    lines.push("", `FAIL ${check.name}: ${check.description}`);
    for (const mismatch of check.mismatches) {
      const where = [
        mismatch.accountId && `account ${mismatch.accountId}`,
        mismatch.memberAccountId && `member ${mismatch.memberAccountId}`,
        mismatch.unit && `unit ${mismatch.unit}`,
        mismatch.transactionId && `transaction ${mismatch.transactionId}`,
        mismatch.lotId && `lot ${mismatch.lotId}`,
        mismatch.holdId && `hold ${mismatch.holdId}`,
        mismatch.idempotencyKey && `key ${mismatch.idempotencyKey}`,
      ].filter(Boolean);
      lines.push(`  ${where.join(", ")}: ${mismatch.field}`);
      lines.push(
        `    expected ${formatValue(ledger, mismatch, mismatch.expected)}, actual ${formatValue(ledger, mismatch, mismatch.actual)}`,
      );
    }
    if (check.truncated) lines.push("  … more mismatches were left out");
  }
  lines.push("", report.ok ? "ok: every check passed" : "FAILED: the ledger does not reconcile");
  return lines;
}
