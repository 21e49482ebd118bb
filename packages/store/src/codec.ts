import { createHash } from "node:crypto";

/**
 * JSON that keeps bigint and Date: idempotency records store results this way, so a
 * replay returns exactly what the first call returned.
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key, encoded) {
    const raw = this[key];
    if (typeof raw === "bigint") return { $bigint: raw.toString() };
    if (raw instanceof Date) return { $date: raw.toISOString() };
    return encoded;
  });
}

export function decodeJson<T>(text: string): T {
  return JSON.parse(text, (_key, value) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      if (typeof value.$bigint === "string") return BigInt(value.$bigint);
      if (typeof value.$date === "string") return new Date(value.$date);
    }
    return value;
  }) as T;
}

/** A stable fingerprint of an operation's payload (its key left out), to spot a reused key. */
export function requestHash(payload: Record<string, unknown> | string): string {
  if (typeof payload === "string") return createHash("sha256").update(payload).digest("base64url");
  const { idempotencyKey: _key, ...rest } = payload;
  return contentHash(rest);
}

/** SHA-256 of a value's canonical JSON (keys sorted), base64url: equal content, equal hash. */
export function contentHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("base64url");
}

/** JSON with object keys sorted, so equal content always prints the same. */
export function canonicalJson(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
