import type { Context, TypedResponse } from "hono";

declare const VALUE: unique symbol;

/** JSON text made from a `Value` (by `jsonText`): a body serialized once and answered many times. */
export type JsonText<Value> = string & { readonly [VALUE]: Value };

/**
 * `value` serialized as `c.json` would, keeping its type, so a route that caches the text of
 * a frequent answer still answers the shape its schema declares.
 *
 * @example
 * const text = jsonText({ data: views.map(toJson) }); // once, kept beside the views
 * return jsonAnswer(c, text); // as c.json({ data: … }, 200)
 */
export function jsonText<Value>(value: Value): JsonText<Value> {
  return JSON.stringify(value) as JsonText<Value>;
}

/** A 200 with `text` as its body and the type `c.json(value, 200)` has: no serializing per request. */
export function jsonAnswer<Value>(c: Context, text: JsonText<Value>): TypedResponse<Value, 200, "json"> {
  return c.body(text, 200, { "Content-Type": "application/json" }) as unknown as TypedResponse<Value, 200, "json">;
}
