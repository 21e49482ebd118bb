import { readFileSync, statSync } from "node:fs";
import { IMPORT_ROWS_MAX, type ImportRowResult } from "@tollgate/server";
import type { Command } from "commander";
import { type ApiClient, withApi } from "../api-client.ts";
import { CliError, EXIT, invalidInput } from "../cli-error.ts";
import { type CommandContext, contextOf } from "../context.ts";
import {
  IMPORT_FILE_BYTES_MAX,
  IMPORT_FORMATS,
  type ImportLine,
  type ImportProblem,
  importFormatOf,
  parseImportFile,
} from "../import-file.ts";

interface ImportOptions {
  format?: string;
  dryRun?: boolean;
}

/** `POST /v1/imports`'s answer. */
interface ImportAnswer {
  summary: { applied: number; alreadyApplied: number; refused: number };
  data: ImportRowResult[];
}

/** Each row's result, with the line of the file it came from and its account as written. */
type LineResult = Omit<ImportRowResult, "index"> & { line: number; account: string };

/** Problems printed for people; --json has them all. */
const PROBLEMS_SHOWN_MAX = 50;

export function registerImport(program: Command): void {
  program
    .command("import")
    .description(
      "bring existing balances in from a CSV or JSON-lines file: each row a grant, applied once however often the file is imported",
    )
    .argument("<file>", "rows of account, amount and optionally unit, source, expiresAt, reason, key")
    .option("--format <format>", `${IMPORT_FORMATS.join(" or ")} (default: from the file's extension)`)
    .option("--dry-run", "write nothing; say what each row would change")
    .action(async (file: string, options: ImportOptions, command: Command) => {
      const context = contextOf(command);
      const format = importFormatOf(file, options.format);
      if (!format) {
        throw invalidInput(
          options.format === undefined
            ? `cannot tell the format of ${file} from its extension: pass --format csv or --format jsonl`
            : `--format is csv or jsonl; got "${options.format}"`,
        );
      }
      const { rows, problems } = parseImportFile(readImportFile(file), format);
      if (problems.length > 0) reportProblems(context, file, problems);
      const dryRun = options.dryRun === true;
      const results = await withApi(context, (api) => send(api, rows, dryRun));
      const summary = {
        applied: results.filter((row) => row.status === "applied" || row.status === "would_apply").length,
        alreadyApplied: results.filter((row) => row.status === "already_applied").length,
        refused: results.filter((row) => row.status === "refused").length,
      };
      const refused = results
        .filter((row) => row.status === "refused")
        .map((row) => ({
          line: row.line,
          key: row.key,
          code: row.error?.code ?? "",
          message: row.error?.message ?? "",
        }));
      const newAccounts = new Set(
        results.filter((row) => row.accountExists === false && row.status === "would_apply").map((row) => row.account),
      ).size;
      context.output.result({ file, format, dryRun, rows: rows.length, summary, refused, results }, () => [
        `${dryRun ? `dry run of ${file}, nothing written:` : `imported ${file}:`} ${summary.applied} ${dryRun ? "would apply" : "applied"}${dryRun && newAccounts > 0 ? ` (${newAccounts} new accounts)` : ""}, ${summary.alreadyApplied} already applied, ${summary.refused} refused (${rows.length} rows)`,
        ...(refused.length === 0
          ? []
          : ["refused:", ...refused.map((row) => `  line ${row.line}: ${row.code}: ${row.message}`)]),
      ]);
      if (refused.length > 0) {
        throw new CliError("rows_refused", `${refused.length} rows refused`, EXIT.failed, {}, true);
      }
    });
}

function readImportFile(file: string): string {
  try {
    if (statSync(file).size > IMPORT_FILE_BYTES_MAX) {
      throw invalidInput(`${file} is over ${IMPORT_FILE_BYTES_MAX / 1_048_576} MiB: split it into several files`);
    }
    return readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw invalidInput(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Every problem of the file, by line; nothing was sent (exit 2). */
function reportProblems(context: CommandContext, file: string, problems: ImportProblem[]): never {
  const message = `${problems.length} ${problems.length === 1 ? "problem" : "problems"} in ${file}; nothing was imported`;
  if (context.output.json) {
    context.output.result({ error: { code: "invalid_input", message, problems } }, () => []);
  } else {
    for (const problem of problems.slice(0, PROBLEMS_SHOWN_MAX)) {
      context.output.progress(`${file}:${problem.line}: ${problem.message}`);
    }
    if (problems.length > PROBLEMS_SHOWN_MAX) {
      context.output.progress(`… and ${problems.length - PROBLEMS_SHOWN_MAX} more (--json lists them all)`);
    }
    context.output.progress(`error: invalid_input: ${message}`);
  }
  throw new CliError("invalid_input", message, EXIT.invalidInput, {}, true);
}

/**
 * Sends the rows in requests of `IMPORT_ROWS_MAX`, in order, with the rows done of the total on
 * a terminal. Each row carries its key, so a request that fails part way, or a second run of
 * the whole file, applies no row twice.
 */
async function send(api: ApiClient, rows: ImportLine[], dryRun: boolean): Promise<LineResult[]> {
  const results: LineResult[] = [];
  const progress = process.stderr.isTTY
    ? (done: number) => process.stderr.write(`\r${dryRun ? "checked" : "imported"} ${done} of ${rows.length} rows`)
    : () => {};
  for (let start = 0; start < rows.length; start += IMPORT_ROWS_MAX) {
    const chunk = rows.slice(start, start + IMPORT_ROWS_MAX);
    let answer: ImportAnswer;
    try {
      answer = await api.request<ImportAnswer>("POST", "/v1/imports", {
        body: { rows: chunk.map((line) => line.row), ...(dryRun ? { dryRun: true } : {}) },
      });
    } catch (error) {
      if (start > 0 || results.length > 0) process.stderr.write("\n");
      throw stoppedAt(error, { line: chunk[0]?.line ?? 0, done: start, total: rows.length, dryRun });
    }
    // `index` counts in the request; the file's reader wants the line.
    for (const { index, ...result } of answer.data) {
      const source = chunk[index];
      results.push({ line: source?.line ?? 0, account: source?.row.account ?? "", ...result });
    }
    progress(start + chunk.length);
  }
  if (rows.length > 0 && process.stderr.isTTY) process.stderr.write("\n");
  return results;
}

/** A request that failed: what it was, and that running the import again is safe. */
function stoppedAt(error: unknown, at: { line: number; done: number; total: number; dryRun: boolean }): unknown {
  if (!(error instanceof CliError) || at.done === 0 || at.dryRun) return error;
  return new CliError(
    error.code,
    `${error.message} (the request of the rows from line ${at.line}); ${at.done} of ${at.total} rows were imported before it. Importing the file again applies none of them twice.`,
    error.exitCode,
    error.details,
  );
}
