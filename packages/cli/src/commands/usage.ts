import type { Account } from "@tollgate/core";
import { type Meter, REPORT_GROUPS_MAX, USAGE_GROUPINGS, type UsageGrouping } from "@tollgate/metering";
import type { Command } from "commander";
import { parseLimit, resolveUnit } from "../amounts.ts";
import { CliError, EXIT, invalidInput } from "../cli-error.ts";
import { type CommandContext, contextOf, withMeter } from "../context.ts";
import {
  type AccountOptions,
  accountLabel,
  accountRefOf,
  findAccount,
  withAccountOptions,
} from "../legacy-account-options.ts";
import { timeOption } from "../metering-options.ts";
import { usageRowJson, usageTable } from "../usage-output.ts";
import { registerUsageStats } from "./usage-stats.ts";

export interface UsageOptions extends AccountOptions {
  by?: string;
  from?: string;
  to?: string;
  unit?: string;
  timeZone?: string;
  limit?: string;
  conversation?: string;
}

const CONVERSATION_ID_LENGTH_MAX = 256;

export function registerUsage(program: Command): void {
  const usage = withAccountOptions(
    program
      .command("usage")
      .description(
        "an account's usage and charges, grouped by model, feature, period, …; or one conversation's totals",
      ),
  )
    .option("--by <grouping>", `group by ${USAGE_GROUPINGS.join(", ")} (default model)`)
    .option("--from <time>", "from this ISO 8601 date or time, inclusive (default: the beginning)")
    .option("--to <time>", "up to this ISO 8601 date or time, exclusive (default: no end)")
    .option("--unit <unit>", "only charges in this unit")
    .option("--time-zone <zone>", "where days, weeks and months begin, an IANA name such as Europe/Paris (default UTC)")
    .option(
      "--limit <n>",
      `most groups shown, largest charge first; periods in time order (default 100, at most ${REPORT_GROUPS_MAX})`,
    )
    .option("--conversation <id>", "one conversation's totals instead (takes no grouping or range)")
    .action(async (options: UsageOptions, command: Command) => {
      const context = contextOf(command);
      const ref = accountRefOf(options);
      if (options.conversation !== undefined) {
        const conversationId = conversationOf(options);
        await withMeter(context, async (meter) =>
          showConversation(context, meter, await findAccount(meter.ledger, ref), conversationId),
        );
        return;
      }
      const groupBy = groupingOf(options.by);
      const from = timeOption(options.from, "--from");
      const to = timeOption(options.to, "--to");
      if (from && to && from >= to) throw invalidInput("--from must be before --to");
      const timeZone = timeZoneOf(options.timeZone);
      const limit = parseLimit(options.limit, { fallback: 100, max: REPORT_GROUPS_MAX });
      await withMeter(context, async (meter) => {
        const unit = options.unit === undefined ? undefined : resolveUnit(meter.ledger, options.unit).unit;
        const account = await findAccount(meter.ledger, ref);
        const report = await meter.usageReport({
          account: { accountId: account.accountId },
          groupBy,
          timeZone,
          limit,
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
          ...(unit ? { unit } : {}),
        });
        if (!report) throw new Error(`account ${account.accountId} vanished`);
        const rows = report.map((row) => usageRowJson(meter.ledger, row));
        context.output.result(
          {
            accountId: account.accountId,
            groupBy,
            from: from?.toISOString() ?? null,
            to: to?.toISOString() ?? null,
            unit: unit ?? null,
            timeZone,
            rows,
          },
          () => [
            `${accountLabel(account)}: usage by ${groupBy}${rangeText(from, to)}${unit ? `, ${unit} only` : ""}${timeZone === "UTC" ? "" : ` (${timeZone})`}`,
            ...(rows.length === 0 ? ["no usage recorded"] : usageTable(rows, groupBy)),
            ...(rows.length === limit ? ["", `showing the first ${limit} groups; --limit shows more`] : []),
          ],
        );
      });
    });
  registerUsageStats(usage);
}

async function showConversation(context: CommandContext, meter: Meter, account: Account, conversationId: string) {
  const usage = await meter.conversationUsage({ account: { accountId: account.accountId }, conversationId });
  if (!usage) {
    throw new CliError(
      "conversation_not_found",
      `no usage recorded for conversation "${conversationId}" of ${accountLabel(account)}`,
      EXIT.failed,
    );
  }
  const rows = usage.rows.map((row) => usageRowJson(meter.ledger, row));
  context.output.result(
    {
      accountId: account.accountId,
      conversationId,
      calls: usage.calls,
      firstAt: usage.firstAt.toISOString(),
      lastAt: usage.lastAt.toISOString(),
      rows,
    },
    () => [
      `${accountLabel(account)}: conversation ${conversationId}, ${usage.calls} calls from ${usage.firstAt.toISOString()} to ${usage.lastAt.toISOString()}`,
      ...usageTable(rows, "conversation"),
    ],
  );
}

function conversationOf(options: UsageOptions): string {
  const given = (["by", "from", "to", "unit", "timeZone", "limit"] as const).filter(
    (name) => options[name] !== undefined,
  );
  if (given.length > 0) {
    throw invalidInput(
      `--conversation shows one conversation's totals; it takes no ${given.map((name) => `--${name === "timeZone" ? "time-zone" : name}`).join(", ")}`,
    );
  }
  const id = options.conversation ?? "";
  if (id.length === 0 || id.length > CONVERSATION_ID_LENGTH_MAX) {
    throw invalidInput(`--conversation must be 1 to ${CONVERSATION_ID_LENGTH_MAX} characters`);
  }
  return id;
}

function groupingOf(text: string | undefined): UsageGrouping {
  if (text === undefined) return "model";
  if (!(USAGE_GROUPINGS as readonly string[]).includes(text)) {
    throw invalidInput(`--by must be one of ${USAGE_GROUPINGS.join(", ")}; got "${text}"`);
  }
  return text as UsageGrouping;
}

function timeZoneOf(text: string | undefined): string {
  if (text === undefined) return "UTC";
  try {
    return new Intl.DateTimeFormat("en", { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    throw invalidInput(`--time-zone must be an IANA time zone such as Europe/Paris or UTC; got "${text}"`);
  }
}

function rangeText(from: Date | undefined, to: Date | undefined): string {
  if (!from && !to) return "";
  return ` from ${from?.toISOString() ?? "the beginning"} to ${to?.toISOString() ?? "now"}`;
}
