/** JSON text that `JSON.stringify` cannot produce from a value: `1e400`, 25-digit numbers, 10,000-deep nesting. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object written key by key, so `__proto__` and `constructor` become ordinary keys of the JSON text. */
export class JsonEntries {
  constructor(readonly entries: ReadonlyArray<readonly [string, unknown]>) {}
}

/**
 * Serializes a generated value to the exact text the fuzz sends. Plain objects and arrays
 * recurse; `RawJson` is written as is, `JsonEntries` entry by entry.
 */
export function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof JsonEntries) {
    return `{${value.entries.map(([key, inner]) => `${JSON.stringify(key)}:${jsonText(inner)}`).join(",")}}`;
  }
  if (Array.isArray(value)) return `[${value.map(jsonText).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return jsonText(new JsonEntries(Object.entries(value)));
  }
  return JSON.stringify(value) ?? "null";
}
