import type { FuzzContext, FuzzRequest } from "./fuzz-request.ts";
import { UNKNOWN } from "./fuzz-request.ts";
import { routeMatching } from "./openapi-routes.ts";

const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);

type Refusal = [label: string, method: string, path: string, body: unknown, status: number];

/**
 * Well-formed requests the ledger (or the key store, the meter) must refuse, each with the
 * status it must get. The world (fuzz-world.ts): alice 100 credits with a 7-credit hold, bob 10,
 * guest visitor 0, organization acme 50 with alice a member capped at 5. A refusal changes
 * nothing, so each may be sent any number of times.
 */
function refusals(context: FuzzContext): Refusal[] {
  const { holdId, settledHoldId } = context;
  const usage = (extra: object) => ({
    account: "user:alice",
    provider: "openai",
    model: "gpt-4o",
    usage: { inputTokens: 10 },
    ...extra,
  });
  return [
    ["charge beyond the balance", "POST", "/v1/charges", { account: "user:alice", amount: "1000" }, 402],
    ["charge a guest with nothing", "POST", "/v1/charges", { account: "guest:visitor", amount: "1" }, 402],
    [
      "charge beyond a member's cap",
      "POST",
      "/v1/charges",
      { account: "organization:acme", member: "alice", amount: "6" },
      403,
    ],
    [
      "charge as a stranger member",
      "POST",
      "/v1/charges",
      { account: "organization:acme", member: "nobody", amount: "1" },
      404,
    ],
    ["charge an unknown account id", "POST", "/v1/charges", { account: UNKNOWN.account, amount: "1" }, 404],
    ["charge a system account", "POST", "/v1/charges", { account: "system:consumption", amount: "1" }, 400],
    ["charge zero", "POST", "/v1/charges", { account: "user:alice", amount: "0" }, 400],
    ["charge a fraction of a credit", "POST", "/v1/charges", { account: "user:alice", amount: "1.5" }, 400],
    ["charge 10^16", "POST", "/v1/charges", { account: "user:alice", amount: "10000000000000000" }, 400],
    ["charge past int64", "POST", "/v1/charges", { account: "user:alice", amount: "9999999999999999999" }, 400],
    ["charge an unknown unit", "POST", "/v1/charges", { account: "user:alice", amount: "1", unit: "doubloons" }, 400],
    ["charge an unknown feature", "POST", "/v1/charges", { account: "user:alice", feature: "no-such-feature" }, 400],
    [
      "charge with both amount and feature",
      "POST",
      "/v1/charges",
      { account: "user:alice", amount: "1", feature: "summarize" },
      400,
    ],
    ["charge a NUL account", "POST", "/v1/charges", { account: "user:a\u0000b", amount: "10000000000000000" }, 400],
    ["hold beyond the balance", "POST", "/v1/holds", { account: "user:alice", amount: "94" }, 402],
    ["hold zero", "POST", "/v1/holds", { account: "user:alice", amount: "0" }, 400],
    ["settle an unknown hold", "POST", `/v1/holds/${UNKNOWN.hold}/settle`, { amount: "1" }, 404],
    ["settle a settled hold", "POST", `/v1/holds/${settledHoldId}/settle`, { amount: "1" }, 400],
    ["settle beyond the balance", "POST", `/v1/holds/${holdId}/settle`, { amount: "1000" }, 402],
    ["settle a fraction", "POST", `/v1/holds/${holdId}/settle`, { amount: "0.5" }, 400],
    ["release an unknown hold", "POST", `/v1/holds/${UNKNOWN.hold}/release`, undefined, 404],
    ["release a settled hold", "POST", `/v1/holds/${settledHoldId}/release`, undefined, 400],
    [
      "grant to an unknown account id",
      "POST",
      `/v1/accounts/${UNKNOWN.account}/grants`,
      { amount: "1", source: "promo" },
      404,
    ],
    ["a guest buys", "POST", "/v1/accounts/guest:visitor/grants", { amount: "1", source: "purchase" }, 403],
    [
      "an admin grant without a reason",
      "POST",
      "/v1/accounts/user:alice/grants",
      { amount: "1", source: "admin" },
      400,
    ],
    [
      "a grant expired already",
      "POST",
      "/v1/accounts/user:alice/grants",
      { amount: "1", source: "promo", expiresAt: "2000-01-01T00:00:00Z" },
      400,
    ],
    [
      "a grant of 10^16",
      "POST",
      "/v1/accounts/user:alice/grants",
      { amount: "10000000000000000", source: "promo" },
      400,
    ],
    [
      "a grant in an unknown unit",
      "POST",
      "/v1/accounts/user:alice/grants",
      { amount: "1", source: "promo", unit: "doubloons" },
      400,
    ],
    ["usage of an unpriced model", "POST", "/v1/usage-events", usage({ model: "no-such-model-9" }), 422],
    [
      "usage beyond the balance",
      "POST",
      "/v1/usage-events",
      usage({ account: "user:bob", usage: { inputTokens: 100_000_000 } }),
      402,
    ],
    ["usage settling an unknown hold", "POST", "/v1/usage-events", usage({ holdId: UNKNOWN.hold }), 404],
    [
      "usage with more cached than input tokens",
      "POST",
      "/v1/usage-events",
      usage({ usage: { inputTokens: 1, cacheReadTokens: 5 } }),
      400,
    ],
    ["usage for a system account", "POST", "/v1/usage-events", usage({ account: "system:issuance" }), 400],
    ["check an unknown account id", "POST", "/v1/check", { account: UNKNOWN.account, feature: "summarize" }, 404],
    [
      "a charge with a field it does not take",
      "POST",
      "/v1/charges",
      { account: "user:alice", feature: "summarize", success: false },
      400,
    ],
    [
      "hold a model call with malformed messages",
      "POST",
      "/v1/holds",
      { account: "user:alice", provider: "openai", model: "gpt-4o", messages: [{ role: "robot", content: "hi" }] },
      400,
    ],
    [
      "hold a model call beyond the balance",
      "POST",
      "/v1/holds",
      { account: "user:bob", provider: "openai", model: "gpt-4o", messages: [{ role: "user", content: "hi" }] },
      402,
    ],
    [
      "check a model call with malformed messages",
      "POST",
      "/v1/check",
      { account: "user:alice", provider: "openai", model: "gpt-4o", messages: [{ role: "user", content: 7 }] },
      400,
    ],
    [
      "a grant with expiresAt and expiresIn",
      "POST",
      "/v1/accounts/user:alice/grants",
      { amount: "1", source: "promo", expiresAt: "2099-01-01T00:00:00Z", expiresIn: "30d" },
      400,
    ],
    [
      "a grant expiring in 0d",
      "POST",
      "/v1/accounts/user:alice/grants",
      { amount: "1", source: "promo", expiresIn: "0d" },
      400,
    ],
    ["a feature in an unknown unit", "POST", "/v1/features/fuzz-feature", { unit: "doubloons", cost: "1" }, 400],
    ["a feature costing a fraction", "POST", "/v1/features/fuzz-feature", { unit: "credits", cost: "1.5" }, 400],
    ["an unknown model's price", "GET", "/v1/prices/openai/no-such-model-9", undefined, 404],
    ["a negative price", "POST", "/v1/prices/openai/gpt-4o", { price: { input_mtok: "-1" } }, 400],
    ["a price of an unknown kind", "POST", "/v1/prices/openai/gpt-4o", { price: { web_searches: "1" } }, 400],
    ["members of a user", "POST", "/v1/accounts/user:alice/members", { member: "bob" }, 400],
    [
      "a member's cap in a fraction",
      "POST",
      "/v1/accounts/organization:acme/members",
      { member: "bob", caps: { credits: "0.5" } },
      400,
    ],
    [
      "a member's cap in an unknown unit",
      "POST",
      "/v1/accounts/organization:acme/members",
      { member: "bob", caps: { doubloons: "1" } },
      400,
    ],
    ["members of an unknown account id", "POST", `/v1/accounts/${UNKNOWN.account}/members`, { member: "bob" }, 404],
    ["a token for an unknown account id", "POST", "/v1/keys", { account: UNKNOWN.account }, 404],
    ["a token for a system account", "POST", "/v1/keys", { account: "system:issuance" }, 400],
    ["an unknown key", "GET", `/v1/keys/${UNKNOWN.key}`, undefined, 404],
    ["revoke an unknown key", "POST", `/v1/keys/${UNKNOWN.key}/revoke`, undefined, 404],
    ["an unknown account", "GET", "/v1/accounts/user:nobody", undefined, 404],
    ["a NUL account", "GET", "/v1/accounts/user:a%00b/balances", undefined, 400],
    ["an account with half a surrogate pair", "POST", "/v1/accounts", { type: "user", externalId: "a\ud800" }, 400],
    [
      "metadata with a NUL",
      "POST",
      "/v1/charges",
      { account: "user:alice", amount: "1000", metadata: { note: "a\u0000" } },
      400,
    ],
    ["usage with metadata 65 levels deep", "POST", "/v1/usage-events", usage({ metadata: { x: nested(65) } }), 400],
    [
      "a metadata key with a NUL",
      "POST",
      "/v1/charges",
      { account: "user:alice", amount: "1000", metadata: { "a\u0000": 1 } },
      400,
    ],
    ["balances in an unknown unit", "GET", "/v1/accounts/user:alice/balances?unit=doubloons", undefined, 400],
    ["usage in an unknown time zone", "GET", "/v1/accounts/user:alice/usage?timeZone=Mars%2FOlympus", undefined, 400],
    ["history after a forged cursor", "GET", "/v1/accounts/user:alice/transactions?before=garbage", undefined, 400],
  ];
}

/** The refusals whose route exists in the document, as requests with a fresh key each. */
export function refusalRequests(context: FuzzContext): Array<() => FuzzRequest> {
  return refusals(context)
    .filter(([, method, path]) => routeMatching(context.routes, method, new URL(path, "http://localhost").pathname))
    .map(([label, method, path, body, status]) => () => ({
      label: `refused: ${label}`,
      route: `${method} ${path}`,
      method,
      path,
      headers: [
        ["authorization", `Bearer ${context.tokens.secret}`],
        ...(method === "POST" ? ([["idempotency-key", context.nextKey()]] as Array<[string, string]>) : []),
        ...(body === undefined ? [] : ([["content-type", "application/json"]] as Array<[string, string]>)),
      ],
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      status,
    }));
}
