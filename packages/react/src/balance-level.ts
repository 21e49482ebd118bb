/** What the badge's colour says: enough, running low, or nothing left to spend. */
export type BalanceLevel = "ok" | "low" | "depleted";

/**
 * The level of an `available` amount: `depleted` at zero or below, `low` below `lowBelow` (when
 * there is a threshold), else `ok`. Amounts are the API's decimal strings, compared exactly as
 * integers at a common scale: never as floating point numbers.
 *
 * @example
 * balanceLevel("4.50", "5") // "low"
 */
export function balanceLevel(available: string, lowBelow: string | null): BalanceLevel {
  if (compareDecimals(available, "0") <= 0) return "depleted";
  if (lowBelow !== null && compareDecimals(available, lowBelow) < 0) return "low";
  return "ok";
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b` (both decimal strings). */
export function compareDecimals(a: string, b: string): number {
  const [left, right] = [parts(a), parts(b)];
  const scale = Math.max(left.fraction.length, right.fraction.length);
  const scaled = (value: ReturnType<typeof parts>) =>
    BigInt(`${value.sign}${value.whole}${value.fraction.padEnd(scale, "0")}`);
  const difference = scaled(left) - scaled(right);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

function parts(text: string) {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new RangeError(`not a decimal amount: ${JSON.stringify(text)}`);
  return { sign: match[1] ?? "", whole: match[2] ?? "0", fraction: match[3] ?? "" };
}
