import { READ_ONLY_POSTS } from "../../packages/server/src/http/v1/api-routes.ts";
import { assemble, baseParts, type FuzzContext, type FuzzRequest, UNKNOWN, withHeader } from "./fuzz-request.ts";
import { JsonEntries, RawJson } from "./json-text.ts";
import { type JsonSchema, type Route, routeMatching } from "./openapi-routes.ts";
import { queryViolationsOf } from "./schema-values.ts";

/** Requests sent one after another (a retry after its first try); most tasks are one request. */
export type FuzzTask = FuzzRequest[];

type Generator = (context: FuzzContext) => FuzzTask | null;

const pick = <T>(context: FuzzContext, items: readonly T[]): T => {
  if (items.length === 0) throw new Error("pick from an empty list");
  return items[Math.floor(context.random() * items.length)] as T;
};
const anyRoute = (context: FuzzContext, filter: (route: Route) => boolean = () => true) => {
  const routes = context.routes.filter(filter);
  return routes.length === 0 ? null : pick(context, routes);
};

/** Authorization headers that must all be 401, whatever the route. */
function badAuthorizations(context: FuzzContext): Array<string[]> {
  const { secret, alice, revoked, expired } = context.tokens;
  return [
    [],
    [""],
    ["Bearer"],
    ["Bearer "],
    [`bearer ${secret}`],
    [`Token ${secret}`],
    [secret],
    ["Basic dXNlcjpwYXNzd29yZA=="],
    [`Bearer ${secret}x`],
    [`Bearer ${secret.slice(0, -1)}`],
    [`Bearer ${secret.replace("tg_sk_", "tg_ct_")}`],
    [`Bearer tg_sk_${"A".repeat(43)}`],
    [`Bearer ${"x".repeat(201)}`],
    [`Bearer ${secret}\u00e9`],
    [`Bearer ${revoked}`],
    [`Bearer ${expired}`],
    [`Bearer ${secret}`, `Bearer ${alice}`],
    [`Bearer ${secret}`, `Bearer ${secret}`],
    [`Bearer  ${secret}`],
    [`Bearer ${secret};`],
  ];
}

const auth: Generator = (context) => {
  const route = pick(context, context.routes);
  const values = pick(context, badAuthorizations(context));
  const parts = withHeader(baseParts(route, context), "authorization", null);
  for (const value of values) parts.headers.push(["authorization", value]);
  return [
    assemble(route, parts, `auth: ${values.length === 0 ? "none" : values.join(" + ").slice(0, 40)}`, { status: 401 }),
  ];
};

/** bob's customer token on a route naming alice's account: 404 to read (as if it did not exist), 403 to write. */
const foreignToken: Generator = (context) => {
  const route = anyRoute(context, (candidate) => candidate.namesAccount);
  if (!route) return null;
  const parts = withHeader(baseParts(route, context), "authorization", `Bearer ${context.tokens.bob}`);
  const name = pick(context, ["user:alice", context.aliceId]);
  if ("account" in parts.pathValues) parts.pathValues.account = name;
  if (isObject(parts.body) && "account" in parts.body) parts.body = { ...parts.body, account: name };
  return [assemble(route, parts, "another account's customer token")];
};

const OTHER_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

const wrongMethod: Generator = (context) => {
  const route = pick(context, context.routes);
  const served = new Set(
    context.routes.filter((other) => other.template === route.template).map((other) => other.method),
  );
  const method = pick(
    context,
    OTHER_METHODS.filter((candidate) => !served.has(candidate)),
  );
  const parts = { ...baseParts(route, context), method };
  const request = assemble(route, parts, `wrong method ${method}`);
  return reachesNoRoute(context, request) ? [request] : null;
};

const unknownPath: Generator = (context) => {
  const route = pick(context, context.routes);
  const base = assemble(route, baseParts(route, context), "");
  const [pathname = "", search] = base.path.split("?");
  const variant = pick(context, [
    `${pathname}/extra`,
    `${pathname}/`,
    pathname.replace("/v1/", "/v2/"),
    pathname.replace("/v1/", "/V1/"),
    pathname.replace("/v1/", "/v1//"),
    pathname.replace("/v1/", "/"),
    `${pathname}.json`,
    `${pathname}%00`,
    `${pathname};jsessionid=1`,
    pathname.toUpperCase(),
    pathname.split("/").slice(0, -1).join("/") || "/v1",
    "/v1",
    "/v1/",
    "/v1/accounts/",
    "/openapi.json/extra",
    "/healthz/extra",
    "/%",
    "/v1/%zz",
    "/v1/accounts/user:alice/balances/../../../../etc/passwd",
  ]);
  const request: FuzzRequest = {
    ...base,
    label: `unknown path ${variant.slice(0, 50)}`,
    path: search ? `${variant}?${search}` : variant,
  };
  return reachesNoRoute(context, request) ? [request] : null;
};

/** Path parameter values that name nothing or cannot be read; raw (already percent-encoded). */
function badPathValues(name: string, schema: JsonSchema, method: string): string[] {
  const tooLong = schema.maxLength === undefined ? [] : ["a".repeat(schema.maxLength + 1)];
  const common = [...tooLong, "%zz", "%E0%A4%A", "%2e%2e", "..", "%2F", "a%2Fb"];
  if (name === "account") {
    // A well-formed type:externalId names an account created on first use: only reads may use an unknown one.
    const reads =
      method === "GET" ? ["user:nobody", "organization:alice", "user:%C3%A5lice%F0%9F%98%80", "guest:%00"] : [];
    return [
      ...common,
      ...reads,
      UNKNOWN.account,
      "acct_garbage",
      "acct_",
      "user:",
      ":alice",
      "user",
      "robot:alice",
      "system:issuance",
      "system:consumption",
      "user%2Falice",
      "user%3A",
      `user:${"a".repeat(400)}`,
    ];
  }
  if (name === "hold") return [...common, UNKNOWN.hold, "hold_garbage", "acct_garbage", "%00"];
  if (name === "keyId") return [...common, UNKNOWN.key, "key_garbage", "%00"];
  return tooLong;
}

const pathParameter: Generator = (context) => {
  const route = anyRoute(context, (candidate) => candidate.pathParameters.length > 0);
  if (!route) return null;
  const parameter = pick(context, route.pathParameters);
  const values = badPathValues(parameter.name, parameter.schema, route.method);
  if (values.length === 0) return null;
  const value = pick(context, values);
  const parts = baseParts(route, context);
  parts.pathValues[parameter.name] = value;
  const request = assemble(route, parts, `path ${parameter.name}=${value.slice(0, 30)}`, { rawPath: [parameter.name] });
  // `..` may resolve into another route's path; such a request is well-formed there.
  const reached = routeMatching(context.routes, request.method, normalizedPath(request.path));
  return reached === undefined || reached === route ? [request] : null;
};

const queryParameter: Generator = (context) => {
  const route = anyRoute(context, (candidate) => candidate.queryParameters.length > 0);
  if (!route) return null;
  const parameter = pick(context, route.queryParameters);
  const semantic =
    parameter.name === "timeZone"
      ? ["Mars/Olympus_Mons", "UTC+25"]
      : parameter.name === "before" || parameter.name === "after"
        ? ["garbage-cursor"]
        : [];
  const values = [...queryViolationsOf(parameter.schema), ...semantic];
  if (values.length === 0) return null;
  const value = pick(context, values);
  const parts = baseParts(route, context);
  parts.query = [...parts.query.filter(([name]) => name !== parameter.name), [parameter.name, value]];
  if (context.random() < 0.2) parts.query.push([parameter.name, value]);
  return [assemble(route, parts, `query ${parameter.name}=${value.slice(0, 30)}`)];
};

const wrongContentType: Generator = (context) => {
  const route = anyRoute(context, (candidate) => candidate.body !== null);
  if (!route) return null;
  const type = pick(context, [
    null,
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/jsonx",
    "application/xml",
    "json",
    "",
  ]);
  const parts = withHeader(baseParts(route, context), "content-type", type);
  return [assemble(route, parts, `content-type ${type}`)];
};

const idempotencyKey: Generator = (context) => {
  const route = anyRoute(
    context,
    (candidate) => candidate.method === "POST" && !READ_ONLY_POSTS.includes(candidate.template),
  );
  if (!route) return null;
  const values = pick(context, [
    [],
    [""],
    ["k".repeat(256)],
    ["has space"],
    ["caf\u00e9"],
    ["tab\there"],
    ["tollgate:signup:1"],
    ["tollgate:"],
    [`tollgate:${context.nextKey()}`],
    [context.nextKey(), context.nextKey()],
  ]);
  const parts = withHeader(baseParts(route, context), "idempotency-key", null);
  for (const value of values) parts.headers.push(["idempotency-key", value]);
  return [
    assemble(route, parts, `idempotency-key ${values.length === 0 ? "missing" : values.join(" + ").slice(0, 30)}`, {
      status: 400,
    }),
  ];
};

export const GENERATORS: Array<{ name: string; weight: number; generate: Generator }> = [
  { name: "auth", weight: 10, generate: auth },
  { name: "foreign-token", weight: 5, generate: foreignToken },
  { name: "method", weight: 5, generate: wrongMethod },
  { name: "path", weight: 5, generate: unknownPath },
  { name: "path-parameter", weight: 12, generate: pathParameter },
  { name: "query", weight: 8, generate: queryParameter },
  { name: "content-type", weight: 5, generate: wrongContentType },
  { name: "idempotency-key", weight: 7, generate: idempotencyKey },
];

export function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof RawJson) &&
    !(value instanceof JsonEntries)
  );
}

export function normalizedPath(path: string): string {
  return new URL(path, "http://localhost").pathname;
}

function reachesNoRoute(context: FuzzContext, request: FuzzRequest): boolean {
  return routeMatching(context.routes, request.method, normalizedPath(request.path)) === undefined;
}
