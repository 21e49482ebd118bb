import type { Command } from "commander";
import { type AccountOptions, accountParamOf, accountPath, withAccountOptions } from "../account-options.ts";
import { parseLimit } from "../amounts.ts";
import { withApi } from "../api-client.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { table } from "../output.ts";

/** The most entries a page holds (the API's limit). */
const HISTORY_PAGE_MAX = 500;

interface HistoryOptions extends AccountOptions {
  limit?: string;
  before?: string;
  unit?: string;
}

/** A line of `GET /v1/accounts/{account}/transactions`. */
interface LineJson {
  entryId: string;
  createdAt: string;
  kind: string;
  unit: string;
  amount: string;
  balanceAfter: string;
  transactionId: string;
  reason: string | null;
  source: string | null;
  feature: string | null;
  provider: string | null;
  model: string | null;
}

export function registerHistory(program: Command): void {
  withAccountOptions(program.command("history").description("an account's entries, newest first, a page at a time"))
    .option("--limit <n>", `entries per page (default 20, at most ${HISTORY_PAGE_MAX})`)
    .option("--before <cursor>", "the cursor printed by the previous page")
    .option("--unit <unit>", "only this unit")
    .action(async (options: HistoryOptions, command: Command) => {
      const context = contextOf(command);
      const account = accountParamOf(options);
      const limit = parseLimit(options.limit, { fallback: 20, max: HISTORY_PAGE_MAX });
      if (options.before !== undefined && !/^\d{1,19}$/.test(options.before)) {
        throw invalidInput(`--before must be the cursor a previous page printed; got "${options.before}"`);
      }
      await withApi(context, async (api) => {
        const page = await api.request<{ accountId: string; data: LineJson[]; nextCursor: string | null }>(
          "GET",
          accountPath(options, "/transactions"),
          { query: { limit, before: options.before, unit: options.unit } },
        );
        const next = page.nextCursor
          ? `tollgate history --account ${page.accountId} --limit ${limit}${options.unit ? ` --unit ${options.unit}` : ""} --before ${page.nextCursor}`
          : null;
        context.output.result({ accountId: page.accountId, lines: page.data, nextCursor: page.nextCursor }, () => [
          `${page.accountId} (${account})`,
          ...(page.data.length === 0 ? ["no entries"] : []),
          ...table(
            page.data.map((line) => [
              line.createdAt,
              line.kind,
              line.amount.startsWith("-") ? line.amount : `+${line.amount}`,
              line.unit,
              `→ ${line.balanceAfter}`,
              line.transactionId,
              whatFor(line),
            ]),
          ),
          ...(next ? ["", `next page: ${next}`] : []),
        ]);
      });
    });
}

/** What the line was for: its reason, the feature or model it paid for, or where its credits came from. */
function whatFor(line: LineJson): string {
  const parts = [
    line.feature ?? (line.model ? `${line.provider}/${line.model}` : null),
    line.kind === "grant" ? line.source : null,
    line.reason === null ? null : `"${line.reason}"`,
  ];
  return parts.filter(Boolean).join(" ");
}
