import { REPORT_GROUPS_MAX, USAGE_GROUPINGS, type UsageGrouping } from "@tollgate/metering";
import type { Command } from "commander";
import {
  type AccountJson,
  type AccountOptions,
  accountLabel,
  accountPath,
  withAccountOptions,
} from "../account-options.ts";
import { parseLimit } from "../amounts.ts";
import { type ApiClient, withApi } from "../api-client.ts";
import { invalidInput } from "../cli-error.ts";
import { type CommandContext, contextOf } from "../context.ts";
import { timeOption } from "../metering-options.ts";
import { type UsageRowJson, usageTable } from "../usage-output.ts";
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

const CONVERSATION_ID_LENGTH_MAX = 200;

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
      if (options.conversation !== undefined) {
        const conversationId = conversationOf(options);
        await withApi(context, (api) => showConversation(context, api, options, conversationId));
        return;
      }
      const groupBy = groupingOf(options.by);
      const from = timeOption(options.from, "--from");
      const to = timeOption(options.to, "--to");
      if (from && to && from >= to) throw invalidInput("--from must be before --to");
      const timeZone = timeZoneOf(options.timeZone);
      const limit = parseLimit(options.limit, { fallback: 100, max: REPORT_GROUPS_MAX });
      await withApi(context, async (api) => {
        const account = await api.request<AccountJson>("GET", accountPath(options));
        const report = await api.request<{ data: UsageRowJson[] }>("GET", accountPath(options, "/usage"), {
          query: { groupBy, from: from?.toISOString(), to: to?.toISOString(), unit: options.unit, timeZone, limit },
        });
        const rows = report.data;
        context.output.result(
          {
            accountId: account.id,
            groupBy,
            from: from?.toISOString() ?? null,
            to: to?.toISOString() ?? null,
            unit: options.unit ?? null,
            timeZone,
            rows,
          },
          () => [
            `${accountLabel(account)}: usage by ${groupBy}${rangeText(from, to)}${options.unit ? `, ${options.unit} only` : ""}${timeZone === "UTC" ? "" : ` (${timeZone})`}`,
            ...(rows.length === 0 ? ["no usage recorded"] : usageTable(rows, groupBy)),
            ...(rows.length === limit ? ["", `showing the first ${limit} groups; --limit shows more`] : []),
          ],
        );
      });
    });
  registerUsageStats(usage);
}

async function showConversation(
  context: CommandContext,
  api: ApiClient,
  options: AccountOptions,
  conversationId: string,
): Promise<void> {
  const account = await api.request<AccountJson>("GET", accountPath(options));
  const usage = await api.request<{ calls: number; firstAt: string; lastAt: string; data: UsageRowJson[] }>(
    "GET",
    accountPath(options, `/conversations/${encodeURIComponent(conversationId)}`),
  );
  context.output.result(
    {
      accountId: account.id,
      conversationId,
      calls: usage.calls,
      firstAt: usage.firstAt,
      lastAt: usage.lastAt,
      rows: usage.data,
    },
    () => [
      `${accountLabel(account)}: conversation ${conversationId}, ${usage.calls} calls from ${usage.firstAt} to ${usage.lastAt}`,
      ...usageTable(usage.data, "conversation"),
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
