/**
 * Where a command's words go: the result on stdout (JSON with --json, lines for people
 * otherwise) and progress on stderr, so `--json` output can be piped as it is.
 */
export interface Output {
  readonly json: boolean;
  result(data: unknown, lines: () => string[]): void;
  progress(message: string): void;
}

export function createOutput(
  json: boolean,
  streams: { stdout: { write(text: string): unknown }; stderr: { write(text: string): unknown } } = process,
): Output {
  return {
    json,
    result(data, lines) {
      streams.stdout.write(json ? `${JSON.stringify(data, replacer, 2)}\n` : `${lines().join("\n")}\n`);
    },
    progress(message) {
      streams.stderr.write(`${message}\n`);
    },
  };
}

/** Columns padded to their widest cell; the last column is left ragged. */
export function table(rows: string[][], indent = ""): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [index, cell] of row.entries()) widths[index] = Math.max(widths[index] ?? 0, cell.length);
  }
  return rows.map((row) =>
    (
      indent + row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join("  ")
    ).trimEnd(),
  );
}

/** Dates as ISO strings; a stray bigint as a string rather than a crash. */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
