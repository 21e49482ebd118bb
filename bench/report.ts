/** One figure: a line of JSON on stdout, `bench`, `value` and `unit` first. */
export interface Figure {
  bench: string;
  value: number;
  unit: string;
  /** What the run was (its callers, accounts, CPU use) and, on a goal line, whether it was `met`. */
  [extra: string]: string | number | boolean;
}

/** Where figures go: `main.ts` prints them, the smoke test collects them. */
export type FigureSink = (figure: Figure) => void;

/** Rounds a figure for printing: whole numbers from 100 up, else three significant digits. */
export function roundValue(value: number): number {
  if (!Number.isFinite(value)) return value;
  if (Math.abs(value) >= 100) return Math.round(value);
  return Number(value.toPrecision(3));
}

export function formatFigure(figure: Figure): string {
  const { bench, value, unit, ...extra } = figure;
  return JSON.stringify({ bench, value: roundValue(value), unit, ...extra });
}

/** Progress and notes go to stderr, so stdout holds nothing but figures. */
export function progress(message: string): void {
  process.stderr.write(`# ${message}\n`);
}
