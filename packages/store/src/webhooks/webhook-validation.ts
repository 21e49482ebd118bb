/** Checks shared by the webhook store's methods: bad input is a RangeError that names it. */

const ID_SHAPES = {
  event: /^evt_[0-9a-f]{32}$/,
  endpoint: /^we_[0-9a-f]{32}$/,
  delivery: /^wd_[0-9a-f]{32}$/,
} as const;

/**
 * Throws unless `value` is an id of `kind` (`evt_`, `we_` or `wd_` and 32 hex digits).
 *
 * @example
 * assertWebhookId("endpoint", "we_0193…"); // throws RangeError when malformed
 */
export function assertWebhookId(kind: keyof typeof ID_SHAPES, value: unknown): asserts value is string {
  if (typeof value !== "string" || !ID_SHAPES[kind].test(value)) {
    const prefix = { event: "evt_", endpoint: "we_", delivery: "wd_" }[kind];
    throw new RangeError(
      `"${String(value).slice(0, 40)}" is not ${kind === "delivery" ? "a" : "an"} ${kind} id (${prefix} followed by 32 hex digits)`,
    );
  }
}

/**
 * What kind of webhook id `value` is, or null.
 *
 * @example
 * webhookIdKind("wd_" + "0".repeat(32)); // "delivery"
 */
export function webhookIdKind(value: unknown): keyof typeof ID_SHAPES | null {
  if (typeof value !== "string") return null;
  for (const [kind, shape] of Object.entries(ID_SHAPES)) if (shape.test(value)) return kind as keyof typeof ID_SHAPES;
  return null;
}

/**
 * `value` if it is an integer from `min` to `max`, else a RangeError naming `name`.
 *
 * @example
 * const limit = boundedInteger("limit", options.limit ?? 50, 1, 500);
 */
export function boundedInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}; got ${value}`);
  }
  return value;
}

/** The most rows one list call returns. */
export const WEBHOOK_PAGE_MAX = 500;
