import { ApiError } from "../http/api-error.ts";

/** A field of a proxied call's body at fault, as `invalid_request` names it. */
export interface BodyFault {
  field: string;
  message: string;
}

/**
 * A proxied call's body, checked only as far as its hold needs it (the upstream judges the
 * rest): a JSON object with a model id, and whatever else the protocol's `faults` finds. Every
 * fault is named at once, in one `invalid_request`, before anything is held or sent.
 *
 * @example
 * checkedBody({ model: "gpt-4o-mini" }, (body) => (Array.isArray(body.messages) ? [] : [{ field: "messages", message: "expected an array" }]))
 * // throws ApiError invalid_request "messages: expected an array"
 */
export function checkedBody(
  body: unknown,
  faults: (record: Record<string, unknown>) => BodyFault[],
): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError("invalid_request", "The body must be a JSON object.", {
      fields: [{ field: "body", message: "expected a JSON object" }],
    });
  }
  const record = body as Record<string, unknown>;
  const fields: BodyFault[] = [];
  if (typeof record.model !== "string" || record.model.length === 0 || record.model.length > 200) {
    fields.push({ field: "model", message: "expected a model id" });
  }
  fields.push(...faults(record));
  const first = fields[0];
  if (first) throw new ApiError("invalid_request", `${first.field}: ${first.message}`, { fields });
  return record;
}
