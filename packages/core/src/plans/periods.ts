import type { PeriodRule } from "./plan.ts";
import { PERIOD_KINDS } from "./plan.ts";
import { instantAtLocal, localMsAt } from "./wall-clock.ts";

export { assertTimeZone } from "./wall-clock.ts";

/**
 * A plan's periods, computed from the local calendar in the rule's time zone, never by stepping
 * from an origin: the period around any instant costs a few time-zone conversions, whether the
 * subscription started yesterday or forty years ago.
 *
 * Every rule defines a sequence of boundaries, each a wall-clock time (local midnight of each
 * day, the anchor's time on each month's anchor day, ...) turned into an instant by
 * `instantAtLocal`: a time skipped by daylight saving is the first instant after the gap, one
 * repeated is its first occurrence. That conversion is monotone, so the boundaries are in order
 * and the periods between them tile time; a boundary that falls on the same instant as the next
 * (a day a zone skipped entirely) makes no period.
 */

/**
 * One period of a plan, [start, end).
 *
 * @example
 * const period: Period = { start: new Date("2026-03-01T00:00:00Z"), end: new Date("2026-04-01T00:00:00Z") };
 */
export interface Period {
  start: Date;
  end: Date;
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-01 was a Thursday; the Monday before it starts ISO week 0 of the calendar. */
const FIRST_MONDAY_LOCAL_MS = -3 * DAY_MS;

/**
 * Instants from 1900 to 9999: wide enough for any subscription, narrow enough that every
 * calendar field stays a small integer and every zone has offsets Intl knows.
 */
const INSTANT_MS_MIN = Date.UTC(1900, 0, 1);
const INSTANT_MS_MAX = Date.UTC(9999, 0, 1);

/**
 * Steps from the first guess to the period that holds the instant. The guess, read from the wall
 * clock, is one period early at most, in a repeated hour (two with a skipped day after it); the
 * bound makes a zone Intl gets wrong fail loudly instead of looping.
 */
const ADJUST_STEPS_MAX = 8;

/**
 * The period of `rule` that contains `at`, for a subscription whose periods are anchored at
 * `anchorAt` (ignored by a `calendar` rule). An instant on a boundary belongs to the period that
 * starts there.
 *
 * @example
 * const monthly = { every: "month", anchor: "anniversary", timeZone: "UTC" } as const;
 * periodContaining(monthly, new Date("2027-01-31T09:00:00Z"), new Date("2027-02-15T00:00:00Z"));
 * // { start: 2027-01-31T09:00Z, end: 2027-02-28T09:00Z }: 31 January, then the last day of February
 */
export function periodContaining(rule: PeriodRule, anchorAt: Date, at: Date): Period {
  assertRule(rule);
  const atMs = instantMs(at, "at");
  const boundaries = boundariesOf(rule, anchorAt);
  // The boundary read from the wall clock is never after `at`: it is the first instant whose wall
  // clock reads its time or later, and `at` reads later. It may be too early: in an hour repeated
  // when clocks fall back, `at` can read earlier than a boundary it is already past.
  let index = boundaries.indexAtOrBefore(localMsAt(rule.timeZone, atMs));
  let start = boundaryInstant(rule, boundaries, index);
  let end = boundaryInstant(rule, boundaries, index + 1);
  for (let step = 0; end <= atMs; step++) {
    assertSteps(step, rule, at);
    index += 1;
    start = end;
    end = boundaryInstant(rule, boundaries, index + 1);
  }
  return { start: new Date(start), end: new Date(end) };
}

/**
 * The period that starts when `period` ends. For a period of this rule that is the rule's next
 * period; for any other (one computed under an earlier rule, say), it runs from `period.end` to
 * the rule's next boundary after it, so a subscription's periods still leave no gap.
 *
 * @example
 * const daily = { every: "day", anchor: "calendar", timeZone: "Europe/Paris" } as const;
 * const first = periodContaining(daily, new Date(0), new Date("2026-03-28T12:00:00Z"));
 * periodAfter(daily, new Date(0), first);
 * // { start: 2026-03-28T23:00Z, end: 2026-03-29T22:00Z }: 29 March is 23 hours long in Paris
 */
export function periodAfter(rule: PeriodRule, anchorAt: Date, period: Period): Period {
  const endMs = instantMs(period.end, "period.end");
  const next = periodContaining(rule, anchorAt, period.end);
  return { start: new Date(endMs), end: next.end };
}

/** A rule's boundaries: boundary `index` as a wall-clock time, and the index for a wall-clock time. */
interface Boundaries {
  /** The wall-clock time of boundary `index`, in local milliseconds; strictly increasing. */
  localMs(index: number): number;
  /** The index of the last boundary at or before `localMs` on the wall clock. */
  indexAtOrBefore(localMs: number): number;
}

function boundaryInstant(rule: PeriodRule, boundaries: Boundaries, index: number): number {
  return instantAtLocal(rule.timeZone, boundaries.localMs(index));
}

function boundariesOf(rule: PeriodRule, anchorAt: Date): Boundaries {
  const calendar = rule.anchor === "calendar";
  const anchorLocalMs = calendar ? 0 : localMsAt(rule.timeZone, instantMs(anchorAt, "anchorAt"));
  switch (rule.every) {
    case "day":
      return evenlySpaced(anchorLocalMs, DAY_MS);
    case "week":
      return evenlySpaced(calendar ? FIRST_MONDAY_LOCAL_MS : anchorLocalMs, WEEK_MS);
    case "month":
      return monthly(anchorLocalMs);
    case "year":
      return yearly(anchorLocalMs);
  }
}

/** Days and weeks: the same wall-clock length each (23 or 25 hours of real time across a change). */
function evenlySpaced(originLocalMs: number, stepMs: number): Boundaries {
  return {
    localMs: (index) => originLocalMs + index * stepMs,
    indexAtOrBefore: (localMs) => Math.floor((localMs - originLocalMs) / stepMs),
  };
}

/**
 * Months: each on the anchor's day of month at its time of day, clamped to the month's last
 * day. The day is read from the anchor every month, never from the previous boundary, so a
 * 31st that fell on 28 February is back on 31 March (no drift).
 */
function monthly(anchorLocalMs: number): Boundaries {
  const anchor = new Date(anchorLocalMs);
  const localMs = (index: number) => {
    const year = Math.floor(index / 12);
    const month = index - year * 12;
    return onDay(year, month, anchor);
  };
  return {
    localMs,
    indexAtOrBefore: (wallMs) => {
      const wall = new Date(wallMs);
      const index = wall.getUTCFullYear() * 12 + wall.getUTCMonth();
      return wallMs < localMs(index) ? index - 1 : index;
    },
  };
}

/** Years: on the anchor's date and time; 29 February is 28 February in a common year. */
function yearly(anchorLocalMs: number): Boundaries {
  const anchor = new Date(anchorLocalMs);
  const localMs = (year: number) => onDay(year, anchor.getUTCMonth(), anchor);
  return {
    localMs,
    indexAtOrBefore: (wallMs) => {
      const year = new Date(wallMs).getUTCFullYear();
      return wallMs < localMs(year) ? year - 1 : year;
    },
  };
}

/** `anchor`'s day of month and time of day, in `year` and `month` (0-11), the day clamped to the month. */
function onDay(year: number, month: number, anchor: Date): number {
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(anchor.getUTCDate(), daysInMonth);
  const timeOfDayMs = anchor.getTime() - Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth(), anchor.getUTCDate());
  return Date.UTC(year, month, day) + timeOfDayMs;
}

function instantMs(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!(ms >= INSTANT_MS_MIN && ms < INSTANT_MS_MAX)) {
    throw new RangeError(`${name} must be a valid Date from 1900 to 9998, got ${String(date)}`);
  }
  return ms;
}

function assertRule(rule: PeriodRule): void {
  if (!PERIOD_KINDS.includes(rule.every)) {
    throw new RangeError(`period.every must be one of ${PERIOD_KINDS.join(", ")}, got ${JSON.stringify(rule.every)}`);
  }
  if (rule.anchor !== "calendar" && rule.anchor !== "anniversary") {
    throw new RangeError(`period.anchor must be "calendar" or "anniversary", got ${JSON.stringify(rule.anchor)}`);
  }
  // localMsAt checks the zone itself, naming it, on first use.
}

function assertSteps(step: number, rule: PeriodRule, at: Date): void {
  if (step >= ADJUST_STEPS_MAX) {
    throw new Error(`no ${rule.every} period found around ${at.toISOString()} in ${rule.timeZone}`);
  }
}
