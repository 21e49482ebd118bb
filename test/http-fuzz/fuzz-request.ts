import { jsonText } from "./json-text.ts";
import type { Route } from "./openapi-routes.ts";
import { exampleOf, type FieldExamples } from "./schema-values.ts";

/** One request the fuzz sends, and what it must be answered with. */
export interface FuzzRequest {
  /** What is wrong with it, for the failure message and the per-category counts. */
  label: string;
  /** The route it was derived from (`POST /v1/charges`), or "(none)". */
  route: string;
  method: string;
  path: string;
  headers: Array<[string, string]>;
  body?: string;
  /** The exact status it must get (the ledger's refusals); otherwise any 4xx. */
  status?: number;
  /** Set on a retry that must replay an earlier stored answer. */
  replayOf?: FuzzRequest;
}

/** What a request is built from before its one defect is put in. */
export interface RequestParts {
  method: string;
  pathValues: Record<string, string>;
  query: Array<[string, string]>;
  /** A JSON value, or raw text when it is `{ raw }`. */
  body: unknown;
  headers: Array<[string, string]>;
}

/** Everything generation needs that the seeded ledger decides. */
export interface FuzzContext {
  routes: Route[];
  tokens: { secret: string; alice: string; bob: string; revoked: string; expired: string };
  aliceId: string;
  holdId: string;
  settledHoldId: string;
  random: () => number;
  /** A fresh Idempotency-Key per POST. */
  nextKey: () => string;
}

/** Ids in the ledger's own formats that name nothing. */
export const UNKNOWN = {
  account: `acct_${"0".repeat(8)}-0000-7000-8000-${"0".repeat(12)}`,
  hold: `hold_${"0".repeat(8)}-0000-7000-8000-${"0".repeat(12)}`,
  key: `key_${"0".repeat(32)}`,
};

/** Path parameter values of an otherwise valid request: existing resources for reads, unknown ones to act on. */
const PATH_VALUES: Record<string, string> = {
  account: "user:alice",
  hold: UNKNOWN.hold,
  keyId: UNKNOWN.key,
  feature: "summarize",
  provider: "openai",
  model: "gpt-4o",
};

/** Body fields as a real app sends them. */
export const FIELD_EXAMPLES: FieldExamples = {
  account: "user:alice",
  amount: "1",
  cost: "1",
  unit: "credits",
  feature: "summarize",
  provider: "openai",
  model: "gpt-4o",
  member: "bob",
  holdId: UNKNOWN.hold,
  source: "promo",
};

/** Valid bodies of the routes known today; a route added later falls back to its schema's smallest value. */
const KNOWN_BODIES: Record<string, unknown> = {
  "POST /v1/accounts": { type: "user", externalId: "fuzz-new-user" },
  "POST /v1/accounts/{account}/grants": { amount: "1", source: "promo" },
  "POST /v1/charges": { account: "user:alice", amount: "1" },
  "POST /v1/holds": { account: "user:alice", amount: "1" },
  "POST /v1/usage-events": {
    account: "user:alice",
    provider: "openai",
    model: "gpt-4o",
    usage: { inputTokens: 10, outputTokens: 5 },
  },
  "POST /v1/usage-events/batch": {
    events: [{ id: "call-1", account: "user:alice", provider: "openai", model: "gpt-4o", usage: { inputTokens: 10 } }],
  },
  "POST /v1/check": { account: "user:alice", feature: "summarize" },
  "POST /v1/features/{feature}": { unit: "credits", cost: "2" },
  "POST /v1/prices/{provider}/{model}": { price: { input_mtok: "1", output_mtok: "2" } },
  "POST /v1/accounts/{account}/members": { member: "bob", caps: { credits: "5" } },
  "POST /v1/keys": { account: "user:alice" },
};

export const routeName = (route: Route) => `${route.method} ${route.template}`;

/** A valid request for `route` (as far as the schema tells), authenticated with the secret key. */
export function baseParts(route: Route, context: FuzzContext): RequestParts {
  const pathValues = Object.fromEntries(
    route.pathParameters.map((parameter) => [
      parameter.name,
      PATH_VALUES[parameter.name] ?? String(exampleOf(parameter.schema)),
    ]),
  );
  const query = route.queryParameters
    .filter((parameter) => parameter.required)
    .map((parameter): [string, string] => [parameter.name, String(exampleOf(parameter.schema))]);
  const headers: Array<[string, string]> = [["authorization", `Bearer ${context.tokens.secret}`]];
  if (route.body) headers.push(["content-type", "application/json"]);
  if (route.method === "POST") headers.push(["idempotency-key", context.nextKey()]);
  const body = route.body
    ? (KNOWN_BODIES[routeName(route)] ?? exampleOf(route.body.schema, FIELD_EXAMPLES))
    : undefined;
  return { method: route.method, pathValues, query, body, headers };
}

/** Puts the parts together; path values are percent-encoded unless `rawPath` names them. */
export function assemble(
  route: Route | null,
  parts: RequestParts,
  label: string,
  options: { rawPath?: string[]; path?: string; status?: number } = {},
): FuzzRequest {
  let path = options.path ?? route?.template ?? "/";
  for (const [name, value] of Object.entries(parts.pathValues)) {
    path = path.replace(`{${name}}`, options.rawPath?.includes(name) ? value : encodeURIComponent(value));
  }
  if (parts.query.length > 0) {
    path += `?${parts.query.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join("&")}`;
  }
  const sendsBody = parts.body !== undefined && parts.method !== "GET" && parts.method !== "HEAD";
  const body = !sendsBody ? undefined : isRaw(parts.body) ? parts.body.raw : jsonText(parts.body);
  return {
    label,
    route: route ? routeName(route) : "(none)",
    method: parts.method,
    path,
    headers: parts.headers,
    ...(body === undefined ? {} : { body }),
    ...(options.status === undefined ? {} : { status: options.status }),
  };
}

export function withHeader(parts: RequestParts, name: string, value: string | null): RequestParts {
  const headers = parts.headers.filter(([header]) => header !== name);
  if (value !== null) headers.push([name, value]);
  return { ...parts, headers };
}

function isRaw(body: unknown): body is { raw: string } {
  return typeof body === "object" && body !== null && "raw" in body && typeof body.raw === "string";
}
