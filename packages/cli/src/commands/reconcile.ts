import { RECONCILE_CHECKS } from "@tollgate/store";
import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { CliError, EXIT } from "../cli-error.ts";
import { contextOf } from "../context.ts";

/** `GET /v1/reconcile`'s answer: amounts already in their unit's scale. */
interface ReportJson {
  ok: boolean;
  checkedAt: string;
  summary: {
    accounts: number;
    units: number;
    transactions: number;
    entries: number;
    lots: number;
    activeHolds: number;
    holdsDueToExpire: number;
    lotsDueToExpire: number;
  };
  checks: Array<{
    name: string;
    description: string;
    truncated: boolean;
    mismatches: Array<{
      accountId: string | null;
      memberAccountId: string | null;
      unit: string | null;
      transactionId: string | null;
      lotId: string | null;
      holdId: string | null;
      idempotencyKey: string | null;
      field: string;
      expected: string;
      actual: string;
    }>;
  }>;
}

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
      await withApi(context, async (api) => {
        context.output.progress(`reconciling through ${api.via}…`);
        const report = await api.request<ReportJson>("GET", "/v1/reconcile");
        for (const check of report.checks) {
          context.output.progress(`  ${check.mismatches.length === 0 ? "ok  " : "FAIL"} ${check.name}`);
        }
        context.output.result(report, () => reportLines(report));
        if (!report.ok) {
          const count = report.checks.reduce((sum, check) => sum + check.mismatches.length, 0);
          throw new CliError("reconcile_failed", `${count} mismatches`, EXIT.failed, {}, true);
        }
      });
    });
}

function reportLines(report: ReportJson): string[] {
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
      lines.push(`    expected ${mismatch.expected}, actual ${mismatch.actual}`);
    }
    if (check.truncated) lines.push("  … more mismatches were left out");
  }
  lines.push("", report.ok ? "ok: every check passed" : "FAILED: the ledger does not reconcile");
  return lines;
}
