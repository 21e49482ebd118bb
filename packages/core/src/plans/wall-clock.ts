/**
 * Wall-clock time in an IANA time zone, from the built-in `Intl` (Node 20 has no Temporal).
 *
 * A wall-clock time is held as "local milliseconds": milliseconds since 1970-01-01T00:00 on the
 * zone's own calendar and clock, as if the zone were UTC. Calendar arithmetic (the 1st of next
 * month, the same time tomorrow) is then plain UTC arithmetic on those numbers, and only the two
 * conversions below know about offsets and daylight saving.
 *
 * @example
 * const local = localMsAt("Europe/Paris", Date.UTC(2026, 6, 1, 10)); // 12:00 on the wall
 * instantAtLocal("Europe/Paris", local) === Date.UTC(2026, 6, 1, 10); // true
 */

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;

/** Longer than any zone name in the IANA database (the longest is about 32 characters). */
const TIME_ZONE_LENGTH_MAX = 64;

/**
 * Formatters are costly to build (tens of microseconds) and a period is a handful of
 * conversions, so one is kept per zone. A limit on everything: the map is emptied past this size,
 * far above the number of zones that exist, so no input can make it grow without end.
 */
const FORMATTERS_MAX = 1024;
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Wall-clock readings already made, by zone and whole second. A reading costs a `formatToParts`
 * (~15 µs) and a period about nine; subscriptions on a calendar rule all cross the same boundary
 * at once, so a renewal job sweeping 100,000 of them asks the same few questions 100,000 times
 * (the conversions were a fifth of the benchmark process's time). A reading is a pure function
 * of its zone and second, so a remembered one is exact. Emptied past this size, as the formatters.
 */
const READINGS_MAX = 50_000;
const readings = new Map<string, number>();

/**
 * Throws a RangeError naming `timeZone` when it is not an IANA zone `Intl` knows. UTC offsets
 * ("+01:00") are refused too: a fixed offset has no daylight saving and no place, and a plan's
 * periods follow a place's midnight.
 *
 * @example
 * assertTimeZone("Europe/Paris"); // returns
 * assertTimeZone("Mars/Olympus"); // RangeError: unknown time zone "Mars/Olympus" ...
 */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

/**
 * The wall-clock time in `timeZone` at `instantMs`, in local milliseconds.
 *
 * @example
 * localMsAt("Asia/Kathmandu", Date.UTC(2026, 0, 1)); // Date.UTC(2026, 0, 1, 5, 45)
 */
export function localMsAt(timeZone: string, instantMs: number): number {
  // Intl formats whole seconds; the milliseconds carry over unchanged (no zone's offset has any).
  const secondMs = Math.floor(instantMs / SECOND_MS) * SECOND_MS;
  const key = `${timeZone}\u0000${secondMs}`;
  let local = readings.get(key);
  if (local === undefined) {
    local = readWallClock(timeZone, secondMs);
    if (readings.size >= READINGS_MAX) readings.clear();
    readings.set(key, local);
  }
  return local + (instantMs - secondMs);
}

function readWallClock(timeZone: string, secondMs: number): number {
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(secondMs)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  // Some ICU versions write midnight as 24 even with h23.
  const hour = fields.hour === 24 ? 0 : fields.hour;
  return Date.UTC(fields.year, fields.month - 1, fields.day, hour, fields.minute, fields.second);
}

/**
 * The first instant whose wall clock in `timeZone` reads `localMs` or later. A time that exists
 * once is that instant; one that exists twice (the hour repeated when clocks fall back) is its
 * first occurrence; one that does not exist (the hour skipped when they spring forward) is the
 * first instant after the gap. Monotone in `localMs`, so boundaries in order stay in order.
 *
 * @example
 * // 02:30 on 29 March 2026 does not exist in Paris: the clocks go from 02:00 to 03:00 (01:00 UTC).
 * instantAtLocal("Europe/Paris", Date.UTC(2026, 2, 29, 2, 30)); // Date.UTC(2026, 2, 29, 1)
 */
export function instantAtLocal(timeZone: string, localMs: number): number {
  // The offsets in force a day either side cover any transition near this wall-clock time.
  const offsets = [localMs - DAY_MS, localMs, localMs + DAY_MS].map((ms) => offsetAt(timeZone, ms));
  let earliest: number | null = null;
  // Most days the three are one offset: checked once.
  for (const offset of new Set(offsets)) {
    const instant = localMs - offset;
    if (localMsAt(timeZone, instant) === localMs && (earliest === null || instant < earliest)) earliest = instant;
  }
  if (earliest !== null) return earliest;
  // In a gap: before the transition the wall clock reads earlier, after it later. Bisect for the
  // transition, the first instant that reads `localMs` or later; the gap is under two days, so
  // the loop ends within 28 halvings, and the bound only guards against a zone Intl gets wrong.
  let before = localMs - Math.max(...offsets);
  let after = localMs - Math.min(...offsets);
  for (let step = 0; after - before > 1; step++) {
    if (step >= 64) throw new Error(`no transition found near ${new Date(localMs).toISOString()} in ${timeZone}`);
    const middle = Math.floor((before + after) / 2);
    if (localMsAt(timeZone, middle) >= localMs) after = middle;
    else before = middle;
  }
  return after;
}

function offsetAt(timeZone: string, instantMs: number): number {
  return localMsAt(timeZone, instantMs) - instantMs;
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  const known = formatters.get(timeZone);
  if (known !== undefined) return known;
  const formatter = newFormatter(timeZone);
  if (formatters.size >= FORMATTERS_MAX) formatters.clear();
  formatters.set(timeZone, formatter);
  return formatter;
}

function newFormatter(timeZone: string): Intl.DateTimeFormat {
  const unknown = () =>
    new RangeError(
      `unknown time zone ${JSON.stringify(timeZone)}: expected an IANA zone such as "Europe/Paris" or "UTC"`,
    );
  if (typeof timeZone !== "string" || timeZone.length === 0 || timeZone.length > TIME_ZONE_LENGTH_MAX) throw unknown();
  if (/^[+-]/.test(timeZone)) throw unknown();
  try {
    return new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  } catch {
    throw unknown();
  }
}
