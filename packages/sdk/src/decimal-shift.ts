/**
 * A decimal string times 10^places, exactly, as a decimal string: "0.0025" per 1k tokens is
 * "2.5" per million. String arithmetic, because a price given as a float is already off
 * (0.1 + 0.2), and the SDK takes money only as decimal strings.
 */
export function shiftDecimal(value: string, places: number): string {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) throw new TypeError(`expected a decimal string such as "0.0025"; got ${JSON.stringify(value)}`);
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  const digits = `${whole}${fraction.padEnd(places, "0")}`;
  const point = whole.length + places;
  const integer = digits.slice(0, point).replace(/^0+(?=\d)/, "");
  const rest = digits.slice(point).replace(/0+$/, "");
  return rest === "" ? integer : `${integer}.${rest}`;
}
