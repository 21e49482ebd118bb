import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { assertTimeZone, type Period, periodAfter, periodContaining } from "./periods.ts";
import type { PeriodKind, PeriodRule } from "./plan.ts";
import { PERIOD_KINDS } from "./plan.ts";

const HOUR_MS = 3_600_000;
const NO_ANCHOR = new Date("2000-01-01T00:00:00Z");

function rule(every: PeriodKind, anchor: PeriodRule["anchor"], timeZone: string): PeriodRule {
  return { every, anchor, timeZone };
}

function iso(period: Period): [string, string] {
  return [period.start.toISOString(), period.end.toISOString()];
}

/** `count` consecutive periods from the one containing `at`. */
function periodsFrom(periodRule: PeriodRule, anchorAt: Date, at: Date, count: number): Period[] {
  const periods = [periodContaining(periodRule, anchorAt, at)];
  while (periods.length < count) periods.push(periodAfter(periodRule, anchorAt, periods[periods.length - 1] as Period));
  return periods;
}

describe("periodContaining", () => {
  const rows: Array<[name: string, periodRule: PeriodRule, anchorAt: Date, at: string, start: string, end: string]> = [
    // Calendar months: local midnight on the 1st, whatever the offset on either side.
    [
      "March in Paris, spring forward inside it",
      rule("month", "calendar", "Europe/Paris"),
      NO_ANCHOR,
      "2026-03-15T12:00:00Z",
      "2026-02-28T23:00:00.000Z",
      "2026-03-31T22:00:00.000Z",
    ],
    [
      "October in Paris, fall back inside it",
      rule("month", "calendar", "Europe/Paris"),
      NO_ANCHOR,
      "2026-10-15T12:00:00Z",
      "2026-09-30T22:00:00.000Z",
      "2026-10-31T23:00:00.000Z",
    ],
    [
      "March in New York, spring forward inside it",
      rule("month", "calendar", "America/New_York"),
      NO_ANCHOR,
      "2026-03-20T12:00:00Z",
      "2026-03-01T05:00:00.000Z",
      "2026-04-01T04:00:00.000Z",
    ],
    [
      "November in New York, fall back on its first day",
      rule("month", "calendar", "America/New_York"),
      NO_ANCHOR,
      "2026-11-01T06:30:00Z",
      "2026-11-01T04:00:00.000Z",
      "2026-12-01T05:00:00.000Z",
    ],
    [
      "January in Kathmandu (+5:45)",
      rule("month", "calendar", "Asia/Kathmandu"),
      NO_ANCHOR,
      "2026-01-10T00:00:00Z",
      "2025-12-31T18:15:00.000Z",
      "2026-01-31T18:15:00.000Z",
    ],
    // Calendar days across a change: 23 and 25 hours, from local midnight to local midnight.
    [
      "29 March in Paris: 23 hours",
      rule("day", "calendar", "Europe/Paris"),
      NO_ANCHOR,
      "2026-03-29T12:00:00Z",
      "2026-03-28T23:00:00.000Z",
      "2026-03-29T22:00:00.000Z",
    ],
    [
      "25 October in Paris: 25 hours",
      rule("day", "calendar", "Europe/Paris"),
      NO_ANCHOR,
      "2026-10-25T12:00:00Z",
      "2026-10-24T22:00:00.000Z",
      "2026-10-25T23:00:00.000Z",
    ],
    [
      "8 March in New York: 23 hours",
      rule("day", "calendar", "America/New_York"),
      NO_ANCHOR,
      "2026-03-08T12:00:00Z",
      "2026-03-08T05:00:00.000Z",
      "2026-03-09T04:00:00.000Z",
    ],
    [
      "1 November in New York: 25 hours",
      rule("day", "calendar", "America/New_York"),
      NO_ANCHOR,
      "2026-11-01T12:00:00Z",
      "2026-11-01T04:00:00.000Z",
      "2026-11-02T05:00:00.000Z",
    ],
    // Lord Howe moves its clocks by 30 minutes: days of 23.5 and 24.5 hours.
    [
      "4 October on Lord Howe: 23.5 hours",
      rule("day", "calendar", "Australia/Lord_Howe"),
      NO_ANCHOR,
      "2026-10-04T06:00:00Z",
      "2026-10-03T13:30:00.000Z",
      "2026-10-04T13:00:00.000Z",
    ],
    [
      "5 April on Lord Howe: 24.5 hours",
      rule("day", "calendar", "Australia/Lord_Howe"),
      NO_ANCHOR,
      "2026-04-05T06:00:00Z",
      "2026-04-04T13:00:00.000Z",
      "2026-04-05T13:30:00.000Z",
    ],
    // Local midnight skipped (São Paulo sprang forward at midnight): the day starts at 01:00.
    [
      "4 November 2018 in São Paulo starts after the gap",
      rule("day", "calendar", "America/Sao_Paulo"),
      NO_ANCHOR,
      "2018-11-04T12:00:00Z",
      "2018-11-04T03:00:00.000Z",
      "2018-11-05T02:00:00.000Z",
    ],
    // Samoa skipped 30 December 2011 entirely: 29 December runs into 31 December.
    [
      "29 December 2011 in Apia is followed by 31 December",
      rule("day", "calendar", "Pacific/Apia"),
      NO_ANCHOR,
      "2011-12-30T09:00:00Z",
      "2011-12-29T10:00:00.000Z",
      "2011-12-30T10:00:00.000Z",
    ],
    // Havana falls back from 01:00 to midnight: 1 November's midnight comes twice, the first counts.
    [
      "1 November in Havana starts at the first of its two midnights",
      rule("day", "calendar", "America/Havana"),
      NO_ANCHOR,
      "2026-11-01T05:30:00Z",
      "2026-11-01T04:00:00.000Z",
      "2026-11-02T05:00:00.000Z",
    ],
    // Beirut falls back from midnight to 23:00: 24 October's last hour comes twice.
    [
      "24 October in Beirut: 25 hours, the repeated 23:30 inside it",
      rule("day", "calendar", "Asia/Beirut"),
      NO_ANCHOR,
      "2026-10-24T21:30:00Z",
      "2026-10-23T21:00:00.000Z",
      "2026-10-24T22:00:00.000Z",
    ],
    // Weeks start on Monday (ISO): 2 December 2026 is a Wednesday.
    [
      "the calendar week of a Wednesday, UTC",
      rule("week", "calendar", "UTC"),
      NO_ANCHOR,
      "2026-12-02T12:00:00Z",
      "2026-11-30T00:00:00.000Z",
      "2026-12-07T00:00:00.000Z",
    ],
    [
      "the calendar week of a Wednesday, Paris",
      rule("week", "calendar", "Europe/Paris"),
      NO_ANCHOR,
      "2026-12-02T12:00:00Z",
      "2026-11-29T23:00:00.000Z",
      "2026-12-06T23:00:00.000Z",
    ],
    [
      "a calendar year in Paris",
      rule("year", "calendar", "Europe/Paris"),
      NO_ANCHOR,
      "2026-07-01T00:00:00Z",
      "2025-12-31T23:00:00.000Z",
      "2026-12-31T23:00:00.000Z",
    ],
    // On a boundary: the instant belongs to the period that starts there.
    [
      "exactly local midnight of 1 March",
      rule("month", "calendar", "UTC"),
      NO_ANCHOR,
      "2026-03-01T00:00:00.000Z",
      "2026-03-01T00:00:00.000Z",
      "2026-04-01T00:00:00.000Z",
    ],
    [
      "a millisecond before it",
      rule("month", "calendar", "UTC"),
      NO_ANCHOR,
      "2026-02-28T23:59:59.999Z",
      "2026-02-01T00:00:00.000Z",
      "2026-03-01T00:00:00.000Z",
    ],
    [
      "exactly a Monday's local midnight in Paris",
      rule("week", "calendar", "Europe/Paris"),
      NO_ANCHOR,
      "2026-11-29T23:00:00.000Z",
      "2026-11-29T23:00:00.000Z",
      "2026-12-06T23:00:00.000Z",
    ],
    [
      "exactly an anniversary",
      rule("month", "anniversary", "UTC"),
      new Date("2026-01-15T10:20:30.400Z"),
      "2026-06-15T10:20:30.400Z",
      "2026-06-15T10:20:30.400Z",
      "2026-07-15T10:20:30.400Z",
    ],
    // Anniversaries keep the anchor's wall-clock time and weekday.
    [
      "daily at 09:00 in Paris, across spring forward",
      rule("day", "anniversary", "Europe/Paris"),
      new Date("2026-03-01T08:00:00Z"),
      "2026-03-29T12:00:00Z",
      "2026-03-29T07:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
    ],
    [
      "daily at 02:30 in New York, a time 8 March lacks: after the gap",
      rule("day", "anniversary", "America/New_York"),
      new Date("2026-03-01T07:30:00Z"),
      "2026-03-08T12:00:00Z",
      "2026-03-08T07:00:00.000Z",
      "2026-03-09T06:30:00.000Z",
    ],
    [
      "daily at 01:30 in New York, a time 1 November has twice: the first",
      rule("day", "anniversary", "America/New_York"),
      new Date("2026-10-01T05:30:00Z"),
      "2026-11-01T06:45:00Z",
      "2026-11-01T05:30:00.000Z",
      "2026-11-02T06:30:00.000Z",
    ],
    [
      "daily at 01:30 in New York: 01:15 the second time is past that day's 01:30",
      rule("day", "anniversary", "America/New_York"),
      new Date("2026-10-01T05:30:00Z"),
      "2026-11-01T06:15:00Z",
      "2026-11-01T05:30:00.000Z",
      "2026-11-02T06:30:00.000Z",
    ],
    [
      "weekly on the anchor's Thursday 18:00 in Kathmandu",
      rule("week", "anniversary", "Asia/Kathmandu"),
      new Date("2026-01-01T12:15:00Z"),
      "2026-12-02T12:00:00Z",
      "2026-11-26T12:15:00.000Z",
      "2026-12-03T12:15:00.000Z",
    ],
    [
      "monthly from 31 January: February 2027 ends on its 28th",
      rule("month", "anniversary", "UTC"),
      new Date("2027-01-31T09:00:00Z"),
      "2027-02-15T00:00:00Z",
      "2027-01-31T09:00:00.000Z",
      "2027-02-28T09:00:00.000Z",
    ],
    [
      "monthly from 31 January: February 2028 ends on its 29th",
      rule("month", "anniversary", "UTC"),
      new Date("2027-01-31T09:00:00Z"),
      "2028-02-15T00:00:00Z",
      "2028-01-31T09:00:00.000Z",
      "2028-02-29T09:00:00.000Z",
    ],
  ];
  for (const [name, periodRule, anchorAt, at, start, end] of rows) {
    test(name, () => {
      assert.deepEqual(iso(periodContaining(periodRule, anchorAt, new Date(at))), [start, end]);
    });
  }

  test("a calendar rule ignores the anchor", () => {
    const monthly = rule("month", "calendar", "America/New_York");
    const at = new Date("2026-05-05T05:05:05Z");
    const periods = ["1999-12-31T23:59:59Z", "2026-05-20T17:00:00Z"].map((anchor) =>
      iso(periodContaining(monthly, new Date(anchor), at)),
    );
    assert.deepEqual(periods[0], periods[1]);
  });
});

describe("periodAfter", () => {
  test("monthly from 31 January: back to the 31st after February, no drift", () => {
    const anchorAt = new Date("2027-01-31T09:00:00Z");
    const periods = periodsFrom(rule("month", "anniversary", "UTC"), anchorAt, anchorAt, 15).map((p) => p.start);
    assert.deepEqual(
      periods.map((start) => start.toISOString().slice(0, 10)),
      [
        "2027-01-31",
        "2027-02-28",
        "2027-03-31",
        "2027-04-30",
        "2027-05-31",
        "2027-06-30",
        "2027-07-31",
        "2027-08-31",
        "2027-09-30",
        "2027-10-31",
        "2027-11-30",
        "2027-12-31",
        "2028-01-31",
        "2028-02-29",
        "2028-03-31",
      ],
    );
  });

  test("monthly in Paris keeps the anchor's wall-clock time across daylight saving", () => {
    const anchorAt = new Date("2027-01-31T09:00:00Z"); // 10:00 in Paris, winter time
    const periods = periodsFrom(rule("month", "anniversary", "Europe/Paris"), anchorAt, anchorAt, 4);
    assert.deepEqual(
      periods.map((p) => p.start.toISOString()),
      ["2027-01-31T09:00:00.000Z", "2027-02-28T09:00:00.000Z", "2027-03-31T08:00:00.000Z", "2027-04-30T08:00:00.000Z"],
    );
  });

  test("yearly from a leap day: 28 February in common years, 29 February in leap years", () => {
    const anchorAt = new Date("2028-02-29T12:00:00Z");
    const periods = periodsFrom(rule("year", "anniversary", "UTC"), anchorAt, anchorAt, 6);
    assert.deepEqual(
      periods.map((p) => p.start.toISOString().slice(0, 10)),
      ["2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29", "2033-02-28"],
    );
  });

  test("calendar days in Paris across both changes: 23 and 25 hours, each from local midnight", () => {
    const daily = rule("day", "calendar", "Europe/Paris");
    const spring = periodsFrom(daily, NO_ANCHOR, new Date("2026-03-28T12:00:00Z"), 3);
    const autumn = periodsFrom(daily, NO_ANCHOR, new Date("2026-10-24T12:00:00Z"), 3);
    const hours = (periods: Period[]) => periods.map((p) => (p.end.getTime() - p.start.getTime()) / HOUR_MS);
    assert.deepEqual(hours(spring), [24, 23, 24]);
    assert.deepEqual(hours(autumn), [24, 25, 24]);
    const localTime = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", timeStyle: "short" });
    for (const p of [...spring, ...autumn]) assert.equal(localTime.format(p.start), "00:00");
  });

  test("a period from an earlier rule is followed from its end to the rule's next boundary", () => {
    const monthly = rule("month", "calendar", "UTC");
    const earlier = { start: new Date("2026-02-20T00:00:00Z"), end: new Date("2026-03-10T00:00:00Z") };
    assert.deepEqual(iso(periodAfter(monthly, NO_ANCHOR, earlier)), [
      "2026-03-10T00:00:00.000Z",
      "2026-04-01T00:00:00.000Z",
    ]);
  });
});

describe("bad input", () => {
  test("a time zone Intl does not know throws a RangeError naming it", () => {
    for (const timeZone of ["Mars/Olympus", "Europe/Pariss", "", "+01:00", "x".repeat(100)]) {
      assert.throws(
        () => assertTimeZone(timeZone),
        (error: Error) => {
          assert.ok(error instanceof RangeError);
          assert.match(error.message, /unknown time zone/);
          assert.ok(error.message.includes(JSON.stringify(timeZone)), error.message);
          return true;
        },
      );
    }
    assert.throws(
      () => periodContaining(rule("day", "calendar", "Mars/Olympus"), NO_ANCHOR, new Date()),
      /"Mars\/Olympus"/,
    );
  });

  test("known zones pass", () => {
    for (const timeZone of ["UTC", "Europe/Paris", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe"]) {
      assertTimeZone(timeZone);
    }
  });

  test("an invalid date, or one outside 1900-9998, throws a RangeError naming the argument", () => {
    const monthly = rule("month", "anniversary", "UTC");
    assert.throws(() => periodContaining(monthly, NO_ANCHOR, new Date(Number.NaN)), /at must be a valid Date/);
    assert.throws(() => periodContaining(monthly, new Date(Number.NaN), new Date()), /anchorAt must be a valid Date/);
    assert.throws(() => periodContaining(monthly, NO_ANCHOR, new Date("1850-01-01T00:00:00Z")), RangeError);
    const period = { start: new Date(), end: new Date(Number.NaN) };
    assert.throws(() => periodAfter(monthly, NO_ANCHOR, period), /period.end must be a valid Date/);
  });

  test("an unknown kind or anchor throws a RangeError naming the field", () => {
    const badKind = { every: "fortnight", anchor: "calendar", timeZone: "UTC" } as unknown as PeriodRule;
    const badAnchor = { every: "day", anchor: "signup", timeZone: "UTC" } as unknown as PeriodRule;
    assert.throws(() => periodContaining(badKind, NO_ANCHOR, new Date()), /period.every .* "fortnight"/);
    assert.throws(() => periodContaining(badAnchor, NO_ANCHOR, new Date()), /period.anchor .* "signup"/);
  });
});

describe("periods tile time (property)", () => {
  // Zones with odd offsets, 30-minute and 2-hour changes, changes at midnight, a skipped day.
  const zones = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "America/Sao_Paulo",
    "America/Havana",
    "Asia/Beirut",
    "Antarctica/Troll",
    "Pacific/Apia",
    "Pacific/Chatham",
    "America/St_Johns",
    "Africa/Casablanca",
  ];
  /** Clock changes (zone, roughly when): daylight saving's traps sit within hours of these. */
  const changes: Array<[timeZone: string, at: string]> = [
    ["Europe/Paris", "2026-03-29T01:00:00Z"],
    ["Europe/Paris", "2026-10-25T01:00:00Z"],
    ["America/New_York", "2026-03-08T07:00:00Z"],
    ["America/New_York", "2026-11-01T06:00:00Z"],
    ["Australia/Lord_Howe", "2026-04-04T15:00:00Z"],
    ["Australia/Lord_Howe", "2026-10-03T15:30:00Z"],
    ["America/Sao_Paulo", "2018-11-04T03:00:00Z"],
    ["America/Sao_Paulo", "2019-02-17T02:00:00Z"],
    ["America/Havana", "2026-03-08T05:00:00Z"],
    ["America/Havana", "2026-11-01T05:00:00Z"],
    ["Asia/Beirut", "2026-03-28T22:00:00Z"],
    ["Asia/Beirut", "2026-10-24T21:00:00Z"],
    ["Antarctica/Troll", "2026-03-29T01:00:00Z"],
    ["Pacific/Apia", "2011-12-30T10:00:00Z"],
  ];
  const kinds = {
    every: fc.constantFrom(...PERIOD_KINDS),
    anchor: fc.constantFrom("calendar" as const, "anniversary" as const),
  };
  const instants = fc.date({
    min: new Date("1971-01-01T00:00:00Z"),
    max: new Date("2100-01-01T00:00:00Z"),
    noInvalidDate: true,
  });
  const anywhere = fc.record({
    periodRule: fc.record({ ...kinds, timeZone: fc.constantFrom(...zones) }),
    anchorAt: instants,
    at: instants,
  });
  // Near a change: the instant within two days of it, the anchor some days before at about the
  // change's time of day, so an anniversary's boundary lands in the skipped or repeated hour.
  const nearChange = fc
    .record({
      change: fc.constantFrom(...changes),
      every: kinds.every,
      anchor: kinds.anchor,
      anchorDaysBefore: fc.integer({ min: 0, max: 800 }),
      anchorShiftMinutes: fc.integer({ min: -90, max: 90 }),
      atShiftMinutes: fc.integer({ min: -2 * 24 * 60, max: 2 * 24 * 60 }),
    })
    .map(({ change: [timeZone, changeAt], every, anchor, anchorDaysBefore, anchorShiftMinutes, atShiftMinutes }) => {
      const changeMs = new Date(changeAt).getTime();
      return {
        periodRule: { every, anchor, timeZone },
        anchorAt: new Date(changeMs - anchorDaysBefore * 24 * HOUR_MS + anchorShiftMinutes * 60_000),
        at: new Date(changeMs + atShiftMinutes * 60_000),
      };
    });
  const cases = fc.oneof(anywhere, nearChange);
  /** Every quarter of an hour from two hours before to two hours after. */
  const probes = (at: Date) =>
    Array.from({ length: 17 }, (_, index) => new Date(at.getTime() + ((index - 8) * HOUR_MS) / 4));

  test("the period containing an instant contains it, and is the one that contains its own start and last millisecond", () => {
    fc.assert(
      fc.property(cases, ({ periodRule, anchorAt, at }) => {
        for (const probe of probes(at)) {
          const period = periodContaining(periodRule, anchorAt, probe);
          assert.ok(
            period.start <= probe && probe < period.end,
            `${iso(period)} should contain ${probe.toISOString()}`,
          );
          assert.deepEqual(iso(periodContaining(periodRule, anchorAt, period.start)), iso(period));
          const last = new Date(period.end.getTime() - 1);
          assert.deepEqual(iso(periodContaining(periodRule, anchorAt, last)), iso(period));
        }
      }),
      { numRuns: 500 },
    );
  });

  test("500 consecutive periods: each non-empty, each starting where the last ended", () => {
    fc.assert(
      fc.property(cases, ({ periodRule, anchorAt, at }) => {
        let period = periodContaining(periodRule, anchorAt, at);
        for (let index = 0; index < 500; index++) {
          const next = periodAfter(periodRule, anchorAt, period);
          assert.equal(next.start.getTime(), period.end.getTime());
          assert.ok(next.start < next.end, `empty period ${iso(next)}`);
          // The next period is the rule's own, not merely one that starts where asked.
          assert.deepEqual(iso(periodContaining(periodRule, anchorAt, next.start)), iso(next));
          period = next;
        }
      }),
      { numRuns: 40 },
    );
  });
});
