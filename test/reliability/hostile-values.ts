import fc from "fast-check";

/**
 * Characters no identifier should hold: C0 and C1 controls (NUL, CR, LF, ESC, DEL, NEL …), the
 * Unicode line and paragraph separators, and the bidirectional controls that make
 * `user:alice\u202Eevil` print as something else in a dashboard or a log.
 */
export const HOSTILE_CHARACTERS: readonly string[] = [
  ...Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)),
  "\u007f",
  "\u0085",
  "\u2028",
  "\u2029",
  "\u061c",
  "\u200e",
  "\u200f",
  ...Array.from({ length: 5 }, (_, index) => String.fromCharCode(0x202a + index)),
  ...Array.from({ length: 4 }, (_, index) => String.fromCharCode(0x2066 + index)),
];

/** A plausible identifier with at least one hostile character somewhere in it. */
export const hostileString: fc.Arbitrary<string> = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9_]{0,8}$/),
    fc.array(fc.constantFrom(...HOSTILE_CHARACTERS), { minLength: 1, maxLength: 3 }),
    fc.stringMatching(/^[a-z0-9_]{0,8}$/),
  )
  .map(([before, hostile, after]) => `${before}${hostile.join("")}${after}`);

/**
 * Amounts that are not a canonical decimal string of the unit's scale (0 here), each of which
 * must be refused. Leading zeros ("0001") are left out: see NON_CANONICAL_ZEROS.
 */
export const REFUSED_AMOUNTS: readonly unknown[] = [
  "1e3",
  "1E3",
  "-0",
  "-1",
  "+1",
  " 1",
  "1 ",
  "1.0",
  "0.5",
  "0x10",
  "1_000",
  "1,000",
  "\uff11",
  "\u0661",
  "",
  "1".repeat(30),
  "9223372036854775808",
  "NaN",
  "Infinity",
  1,
  1.5,
  -1,
  1e3,
  null,
  true,
  [],
  {},
  ["1"],
  { amount: "1" },
];

/** Amounts with leading zeros: not canonical, so they must be refused too. */
export const NON_CANONICAL_ZEROS: readonly string[] = ["0001", "01", "00"];

/** Generated refused amounts beyond the list: 20 to 40 digits, negatives, exponents, fractions. */
export const refusedAmount: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...REFUSED_AMOUNTS),
  fc.bigInt({ min: 10n ** 19n, max: 10n ** 40n }).map(String),
  fc.bigInt({ min: 1n, max: 10n ** 12n }).map((value) => `-${value}`),
  fc
    .tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 30 }))
    .map(([digit, power]) => `${digit}e${power}`),
  fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 99 })).map(([whole, part]) => `${whole}.${part}`),
);
