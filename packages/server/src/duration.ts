/**
 * Durations in configuration and on the command line are written with a unit ("30d",
 * "12h", "15m", "45s", "500ms", "2w"), never as a bare number whose unit a reader must guess.
 *
 * @example
 * parseDuration("30d") // 2_592_000_000
 */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** The longest duration accepted: ten years, far beyond any hold or grant lifetime. */
export const DURATION_MS_MAX = 3650 * UNIT_MS.d;

/** The written form: a whole count and a unit, "30d" (the configuration file's JSON Schema shows it to editors). */
export const DURATION_PATTERN = /^(\d{1,12})(ms|s|m|h|d|w)$/;

/** Milliseconds in `text`; throws a RangeError that shows the accepted forms. */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) throw new RangeError(`"${text}" is not a duration; write it like 30d, 12h, 15m, 45s or 500ms`);
  const [, count = "0", unit = "ms"] = match;
  const ms = Number(count) * UNIT_MS[unit as keyof typeof UNIT_MS];
  if (ms <= 0 || ms > DURATION_MS_MAX) throw new RangeError(`"${text}" must be more than 0 and at most 3650d`);
  return ms;
}
