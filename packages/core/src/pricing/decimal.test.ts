import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  addRational,
  compareRational,
  decimalFromNumber,
  isZero,
  multiplyRational,
  parseDecimal,
  rational,
  toDecimalString,
  toExactDecimalString,
  ZERO,
} from "./decimal.ts";

describe("parseDecimal", () => {
  const rows: Array<[text: string, numerator: bigint, denominator: bigint]> = [
    ["2.5", 5n, 2n],
    ["0.000001", 1n, 1_000_000n],
    ["1e-7", 1n, 10_000_000n],
    ["1.5E+3", 1500n, 1n],
    ["1.5e3", 1500n, 1n],
    ["0", 0n, 1n],
    ["0.000", 0n, 1n],
    ["-0", 0n, 1n],
    ["-3.75", -15n, 4n],
    ["007", 7n, 1n],
    ["0.08333333333333334", 4166666666666667n, 50000000000000000n],
    ["123456789012345678901234567890", 123456789012345678901234567890n, 1n],
  ];
  for (const [text, numerator, denominator] of rows) {
    test(`"${text}" is ${numerator}/${denominator}`, () => {
      assert.deepEqual(parseDecimal(text), { numerator, denominator });
    });
  }

  for (const text of ["", ".5", "5.", "1,5", "0x10", " 1", "1 ", "+1", "Infinity", "NaN", "1e", "e5", "1e1.5", "--1"]) {
    test(`"${text}" is rejected with the text named`, () => {
      assert.throws(() => parseDecimal(text), { name: "RangeError", message: new RegExp(`"${escapeRegExp(text)}"`) });
    });
  }

  test("exponents and lengths have limits", () => {
    assert.throws(() => parseDecimal("1e999999999"), /exponent/);
    assert.deepEqual(parseDecimal("1e-60"), rational(1n, 10n ** 60n));
    assert.throws(() => parseDecimal("1".repeat(65)), RangeError);
  });
});

describe("decimalFromNumber", () => {
  const rows: Array<[value: number, expected: string]> = [
    [0.15, "0.15"],
    [2.5, "2.5"],
    [0.1 + 0.2, "0.30000000000000004"], // the shortest round-trip text, not 0.3
    [1e-7, "0.0000001"],
    [1e21, "1000000000000000000000"],
    [-0, "0"],
    [10, "10"],
  ];
  for (const [value, expected] of rows) {
    test(`${value} reads as ${expected}`, () => {
      assert.equal(toExactDecimalString(decimalFromNumber(value)), expected);
    });
  }

  test("non-finite numbers are rejected", () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.throws(() => decimalFromNumber(value), RangeError);
    }
  });
});

describe("arithmetic", () => {
  test("results are normalized, with the sign on the numerator", () => {
    assert.deepEqual(rational(6n, -4n), { numerator: -3n, denominator: 2n });
    assert.deepEqual(rational(0n, -5n), ZERO);
    assert.throws(() => rational(1n, 0n), RangeError);
  });

  test("add, multiply and compare are exact", () => {
    assert.deepEqual(addRational(rational(1n, 3n), rational(1n, 6n)), rational(1n, 2n));
    assert.deepEqual(multiplyRational(parseDecimal("2.5"), rational(1000n, 1_000_000n)), rational(1n, 400n));
    assert.deepEqual(addRational(parseDecimal("0.1"), parseDecimal("0.2")), parseDecimal("0.3"));
    assert.equal(compareRational(rational(1n, 3n), parseDecimal("0.3333333333")), 1);
    assert.equal(compareRational(rational(-1n, 2n), ZERO), -1);
    assert.equal(compareRational(parseDecimal("2.50"), rational(5n, 2n)), 0);
    assert.equal(isZero(parseDecimal("0e5")), true);
    assert.equal(isZero(parseDecimal("1e-60")), false);
  });
});

describe("toDecimalString", () => {
  const rows: Array<[value: ReturnType<typeof rational>, scale: number, up: string, down: string, halfEven: string]> = [
    [rational(7n, 20000n), 12, "0.000350000000", "0.000350000000", "0.000350000000"],
    [rational(1n, 3n), 4, "0.3334", "0.3333", "0.3333"],
    [rational(2n, 3n), 4, "0.6667", "0.6666", "0.6667"],
    [rational(5n, 2n), 0, "3", "2", "2"], // a tie goes to the even 2
    [rational(-1n, 3n), 2, "-0.33", "-0.34", "-0.33"],
    [ZERO, 3, "0.000", "0.000", "0.000"],
  ];
  for (const [value, scale, up, down, halfEven] of rows) {
    test(`${value.numerator}/${value.denominator} at ${scale}: up ${up}, down ${down}, half_even ${halfEven}`, () => {
      assert.equal(toDecimalString(value, scale, "up"), up);
      assert.equal(toDecimalString(value, scale, "down"), down);
      assert.equal(toDecimalString(value, scale, "half_even"), halfEven);
    });
  }

  test("toExactDecimalString refuses a value with no finite expansion", () => {
    assert.equal(toExactDecimalString(rational(3n, 20n)), "0.15");
    assert.equal(toExactDecimalString(rational(-7n, 1n)), "-7");
    assert.throws(() => toExactDecimalString(rational(1n, 3n)), /no finite decimal expansion/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
