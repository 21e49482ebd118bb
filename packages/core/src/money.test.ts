import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { divideRounding, formatMinor, maxBigint, minBigint, parseDecimalToMinor, parseMinor } from "./money.ts";

describe("divideRounding", () => {
  const rows: Array<[numerator: bigint, divisor: bigint, up: bigint, down: bigint, halfEven: bigint]> = [
    [6n, 3n, 2n, 2n, 2n],
    [0n, 7n, 0n, 0n, 0n],
    [7n, 2n, 4n, 3n, 4n], // 3.5: tie, to the even 4
    [5n, 2n, 3n, 2n, 2n], // 2.5: tie, to the even 2
    [1n, 3n, 1n, 0n, 0n],
    [2n, 3n, 1n, 0n, 1n],
    [-6n, 3n, -2n, -2n, -2n],
    [-7n, 2n, -3n, -4n, -4n], // -3.5: tie, to the even -4
    [-5n, 2n, -2n, -3n, -2n], // -2.5: tie, to the even -2
    [-1n, 3n, 0n, -1n, 0n],
    [-2n, 3n, 0n, -1n, -1n],
    [1n, 1n, 1n, 1n, 1n],
    [10n ** 30n + 1n, 10n ** 30n, 2n, 1n, 1n],
  ];
  for (const [numerator, divisor, up, down, halfEven] of rows) {
    test(`${numerator} / ${divisor}: up ${up}, down ${down}, half_even ${halfEven}`, () => {
      assert.equal(divideRounding(numerator, divisor, "up"), up);
      assert.equal(divideRounding(numerator, divisor, "down"), down);
      assert.equal(divideRounding(numerator, divisor, "half_even"), halfEven);
    });
  }

  test("a divisor of zero or below is a programmer error", () => {
    assert.throws(() => divideRounding(1n, 0n, "up"), RangeError);
    assert.throws(() => divideRounding(1n, -2n, "down"), RangeError);
  });

  test("up is the ceiling, down the floor, half_even the nearest with ties to even", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        (n, d) => {
          const up = divideRounding(n, d, "up");
          const down = divideRounding(n, d, "down");
          const even = divideRounding(n, d, "half_even");
          // down·d ≤ n ≤ up·d, one apart unless exact.
          assert.ok(down * d <= n && n <= up * d);
          assert.equal(up - down, n % d === 0n ? 0n : 1n);
          // |n − even·d| ≤ d/2, and on a tie the result is even.
          const twiceError = 2n * (n - even * d);
          assert.ok(-d <= twiceError && twiceError <= d);
          if (twiceError === d || twiceError === -d) assert.equal(even % 2n, 0n);
        },
      ),
    );
  });

  test("each direction is consistent under negation: up(−n) = −down(n)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        (n, d) => {
          assert.equal(divideRounding(-n, d, "up"), -divideRounding(n, d, "down"));
          assert.equal(divideRounding(-n, d, "half_even"), -divideRounding(n, d, "half_even"));
        },
      ),
    );
  });
});

describe("decimal strings", () => {
  const parses: Array<[text: string, scale: number, minor: bigint]> = [
    ["12.5", 2, 1250n],
    ["12.50", 2, 1250n],
    ["0.01", 2, 1n],
    ["-3.25", 2, -325n],
    ["7", 3, 7000n],
    ["0", 0, 0n],
    ["-0.5", 1, -5n],
    ["123456789012345678.123456789012345678", 18, 123456789012345678123456789012345678n],
  ];
  for (const [text, scale, minor] of parses) {
    test(`"${text}" at scale ${scale} is ${minor}`, () => assert.equal(parseDecimalToMinor(text, scale), minor));
  }

  const errors: Array<[text: string, scale: number]> = [
    ["1.234", 2],
    ["12.0", 0],
    ["abc", 2],
    ["", 2],
    ["1.", 2],
    [".5", 2],
    ["1e3", 2],
    ["--1", 2],
    ["+1", 2],
    ["1,5", 2],
    ["0x10", 0],
    // One written form per amount: no leading zeros, no whitespace.
    ["000123", 0],
    ["0001", 0],
    ["00.5", 1],
    [" 7 ", 0],
    ["7 ", 0],
  ];
  for (const [text, scale] of errors) {
    test(`"${text}" at scale ${scale} is refused, never rounded`, () => {
      assert.throws(() => parseDecimalToMinor(text, scale), RangeError);
    });
  }

  const formats: Array<[minor: bigint, scale: number, text: string]> = [
    [12345n, 2, "123.45"],
    [5n, 2, "0.05"],
    [-5n, 2, "-0.05"],
    [-12345n, 2, "-123.45"],
    [0n, 0, "0"],
    [0n, 3, "0.000"],
    [-120n, 0, "-120"],
    [1n, 18, "0.000000000000000001"],
  ];
  for (const [minor, scale, text] of formats) {
    test(`${minor} at scale ${scale} formats as "${text}"`, () => {
      assert.equal(formatMinor(minor, scale), text);
      assert.equal(parseDecimalToMinor(text, scale), minor);
    });
  }

  test("format then parse is the identity, at every scale", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n }), fc.integer({ min: 0, max: 18 }), (minor, scale) => {
        const text = formatMinor(minor, scale);
        assert.equal(parseDecimalToMinor(text, scale), minor);
        assert.equal(text.split(".")[1]?.length ?? 0, scale);
      }),
    );
  });

  test("parse then format gives the canonical form of the same number", () => {
    const decimal = fc
      .tuple(fc.boolean(), fc.stringMatching(/^[1-9]\d{0,10}$|^0$/), fc.stringMatching(/^\d{0,6}$/))
      .map(([negative, whole, fraction]) => ({ negative, whole, fraction }));
    fc.assert(
      fc.property(decimal, fc.integer({ min: 6, max: 12 }), ({ negative, whole, fraction }, scale) => {
        const text = `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
        const minor = parseDecimalToMinor(text, scale);
        const expected = BigInt(whole + fraction.padEnd(scale, "0"));
        assert.equal(minor, negative ? -expected : expected);
        assert.equal(parseDecimalToMinor(formatMinor(minor, scale), scale), minor);
      }),
    );
  });
});

describe("integer amounts", () => {
  test("parseMinor reads the integers that travel in JSON", () => {
    assert.equal(parseMinor("1500"), 1500n);
    assert.equal(parseMinor("-1"), -1n);
    assert.equal(parseMinor("9223372036854775807"), 9223372036854775807n);
  });

  for (const text of ["1.5", "", "+1", "1e3", " 1", "12345678901234567890", "abc"]) {
    test(`parseMinor refuses "${text}"`, () => assert.throws(() => parseMinor(text), RangeError));
  }

  test("minBigint and maxBigint", () => {
    assert.equal(minBigint(-1n, 2n), -1n);
    assert.equal(maxBigint(-1n, 2n), 2n);
    assert.equal(minBigint(3n, 3n), 3n);
  });
});
