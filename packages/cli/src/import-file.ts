import { extname } from "node:path";
import { duplicateKeys, type ImportRow, ImportRowSchema, importRowKeys } from "@tollgate/server";
import { CsvError, parse } from "csv-parse/sync";

export const IMPORT_FORMATS = ["csv", "jsonl"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The largest file `tollgate import` reads: it is read whole, then sent 1,000 rows a request. */
export const IMPORT_FILE_BYTES_MAX = 100 * 1_048_576;

/** A row of the file and the line it starts on (1-based, the header being line 1 of a CSV). */
export interface ImportLine {
  line: number;
  row: ImportRow;
}

/** What is wrong with a line, in the words of the row's schema. */
export interface ImportProblem {
  line: number;
  message: string;
}

const COLUMNS = Object.keys(ImportRowSchema.shape);

/**
 * The file's format: `--format` when given, else its extension (`.csv`; `.jsonl` or
 * `.ndjson`); null when neither says.
 *
 * @example
 * importFormatOf("balances.csv"); // "csv"
 */
export function importFormatOf(path: string, format: string | undefined): ImportFormat | null {
  if (format !== undefined)
    return (IMPORT_FORMATS as readonly string[]).includes(format) ? (format as ImportFormat) : null;
  const extension = extname(path).toLowerCase();
  if (extension === ".csv") return "csv";
  return extension === ".jsonl" || extension === ".ndjson" ? "jsonl" : null;
}

/**
 * Reads an import file: CSV with a header row naming the columns (`account`, `amount`, and
 * any of `unit`, `source`, `expiresAt`, `reason`, `key`; an empty cell is a value left out),
 * or JSON lines (one object per line; blank lines skipped). Every row is checked as
 * `POST /v1/imports` checks it, and given its idempotency key over the whole file (see
 * `importRowKeys`), so the file's requests of 1,000 rows each add up to the file as one.
 * Every problem is named by its line; with any, no row should be sent.
 *
 * @example
 * const { rows, problems } = parseImportFile("account,amount\nuser:alice,40\n", "csv");
 * // rows: [{ line: 2, row: { account: "user:alice", amount: "40", key: "…" } }]
 */
export function parseImportFile(text: string, format: ImportFormat): { rows: ImportLine[]; problems: ImportProblem[] } {
  const read = format === "csv" ? readCsv(text) : readJsonLines(text);
  const rows: ImportLine[] = [];
  const problems = [...read.problems];
  for (const { line, value } of read.values) {
    const parsed = ImportRowSchema.safeParse(value);
    if (parsed.success) {
      rows.push({ line, row: parsed.data });
      continue;
    }
    for (const issue of parsed.error.issues) {
      const field = issue.path.map(String).join(".");
      problems.push({ line, message: field ? `${field}: ${issue.message}` : issue.message });
    }
  }
  for (const { index, firstIndex } of duplicateKeys(rows.map((line) => line.row))) {
    const { line } = rows[index] as ImportLine;
    problems.push({ line, message: `key: line ${rows[firstIndex]?.line} has the same key; a key is its row's own id` });
  }
  if (problems.length > 0) return { rows: [], problems: problems.sort((a, b) => a.line - b.line) };
  const keys = importRowKeys(rows.map((line) => line.row));
  return { rows: rows.map((line, index) => ({ line: line.line, row: { ...line.row, key: keys[index] } })), problems };
}

interface Read {
  values: Array<{ line: number; value: unknown }>;
  problems: ImportProblem[];
}

function readCsv(text: string): Read {
  let records: Array<{ record: string[]; info: { lines: number; empty_lines: number } }>;
  try {
    records = parse(text, { bom: true, info: true, skip_empty_lines: true }) as unknown as typeof records;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    return {
      values: [],
      problems: [{ line: (error as CsvError & { lines?: number }).lines ?? 1, message: error.message }],
    };
  }
  const [header, ...body] = records;
  if (!header) return { values: [], problems: [{ line: 1, message: "the file is empty: a header row comes first" }] };
  const problems = headerProblems(header.record);
  if (problems.length > 0) return { values: [], problems };
  // csv-parse counts lines up to a record's end; a record starts after the previous one and
  // the empty lines between them (a quoted cell may hold line breaks).
  let previous = header.info;
  const values = body.map(({ record, info }) => {
    const line = previous.lines + 1 + (info.empty_lines - previous.empty_lines);
    previous = info;
    const value: Record<string, string> = {};
    header.record.forEach((column, index) => {
      const cell = record[index] ?? "";
      if (cell !== "") value[column] = cell;
    });
    return { line, value };
  });
  return { values, problems: [] };
}

function headerProblems(columns: string[]): ImportProblem[] {
  const problems: ImportProblem[] = [];
  const known = `the columns are ${COLUMNS.join(", ")}`;
  for (const [index, column] of columns.entries()) {
    if (!COLUMNS.includes(column)) problems.push({ line: 1, message: `unknown column "${column}"; ${known}` });
    else if (columns.indexOf(column) !== index) problems.push({ line: 1, message: `column "${column}" twice` });
  }
  for (const required of ["account", "amount"]) {
    if (!columns.includes(required)) problems.push({ line: 1, message: `no "${required}" column; ${known}` });
  }
  return problems;
}

function readJsonLines(text: string): Read {
  const values: Read["values"] = [];
  const problems: ImportProblem[] = [];
  text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .forEach((source, index) => {
      const line = index + 1;
      if (source.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(source);
      } catch (error) {
        problems.push({ line, message: `not JSON: ${(error as Error).message}` });
        return;
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push({ line, message: 'each line is one JSON object: {"account": "user:alice", "amount": "40"}' });
        return;
      }
      values.push({ line, value });
    });
  return { values, problems };
}
