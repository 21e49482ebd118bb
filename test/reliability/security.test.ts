// Three promises of a real `tollgate serve`, over its socket:
// - no key, token, webhook secret or database password reaches its output, in a run that
//   calls every route of /openapi.json with every kind of key, quotes secrets where a careless
//   log would copy them (paths, queries, bodies, headers), and lets the webhook dispatcher
//   fail against a closed port. Tollgate has no debug level: info, with the access log on (the
//   default), is the most it writes.
// - a customer token of one account reaches no other account through any route: every route
//   is called with another account's ids in every place it takes one.
// - the per-key rate limit lets exactly its burst through and answers the rest 429 with
//   Retry-After, per key (a refill of one token every 1,000 s: none can come during the burst).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ApiKeys } from "@tollgate/store";
import { FIELD_EXAMPLES } from "../http-fuzz/fuzz-request.ts";
import { type Route, routesOf } from "../http-fuzz/openapi-routes.ts";
import { exampleOf } from "../http-fuzz/schema-values.ts";
import { HttpClient, openAndCloseStream, sendRequest } from "./http-client.ts";
import { reportFigure } from "./scale.ts";
import { type ServeProcess, startServeProcess, waitFor } from "./serve-process.ts";

const CONFIG = {
  units: [{ unit: "credits", scale: 0 }],
  signupGrants: { user: [{ unit: "credits", amount: "1000", expiresIn: null }] },
  pricing: { features: { summarize: { unit: "credits", cost: "3" } } },
};
const DATABASE_PASSWORD = `pw${randomBytes(12).toString("hex")}`;
const RATE_BURST_SECRET = 5;
const RATE_BURST_CUSTOMER = 3;
/** Requests sent at once per key: well over each burst. */
const BURST_SENT = 12;

/** Path parameters that name something an account owns (or an operator's): never a customer's to reach. */
const OWNED_PARAMETERS = new Set([
  "account",
  "hold",
  "transaction",
  "keyId",
  "member",
  "conversation",
  "endpoint",
  "event",
  "delivery",
]);

/** Valid bodies naming bob's account where a route's smallest valid body does not. */
const BODIES_NAMING_BOB: Record<string, unknown> = {
  "POST /v1/charges": { account: "user:bob", amount: "1" },
  "POST /v1/holds": { account: "user:bob", amount: "1" },
  "POST /v1/check": { account: "user:bob", feature: "summarize" },
  "POST /v1/checkout-sessions": {
    account: "user:bob",
    pack: "boost",
    successUrl: "https://app.example/paid",
    cancelUrl: "https://app.example/cancelled",
  },
  "POST /v1/portal-sessions": { account: "user:bob", returnUrl: "https://app.example/billing" },
  "POST /v1/usage-events/batch": {
    events: [{ id: "e-1", account: "user:bob", provider: "openai", model: "gpt-4o-mini", usage: { inputTokens: 10 } }],
  },
};

/** A path for `route`, each parameter from `ids` (by name), "x" when none is given. */
function pathOf(route: Route, ids: Record<string, string>): string {
  return route.template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(ids[name] ?? "x"));
}

describe("secrets, account isolation and rate limits of a served deployment", () => {
  let serve: ServeProcess | undefined;
  let client: HttpClient;
  /** Every secret value this run made or used, to look for in the server's output. */
  const secrets = new Map<string, string>();
  const tokens = { secret: "", alice: "", bob: "" };
  const ids = {
    bob: "",
    aliceHold: "",
    bobHold: "",
    bobTransaction: "",
    bobKey: "",
    endpoint: "",
    event: "",
    delivery: "",
  };
  let sequence = 0;
  const call = (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    client.send(method, path, {
      headers: {
        authorization: `Bearer ${token}`,
        ...(method === "POST" ? { "idempotency-key": `security-${++sequence}` } : {}),
        ...headers,
      },
      ...(body === undefined ? (method === "POST" ? { body: {} } : {}) : { body }),
    });
  const ok = async (answer: Promise<{ status: number; body: string }>) => {
    const { status, body } = await answer;
    assert.equal(status, 200, body);
    return JSON.parse(body);
  };

  before(async () => {
    serve = await startServeProcess({
      config: CONFIG,
      // A password trust authentication ignores, so it can be looked for in the output.
      databaseUrlForServer: (url) => url.replace("postgres://postgres@", `postgres://postgres:${DATABASE_PASSWORD}@`),
      env: {
        TOLLGATE_ACCESS_LOG: "on",
        TOLLGATE_RATE_LIMIT_SECRET: "off",
        TOLLGATE_RATE_LIMIT_CUSTOMER: "off",
      },
    });
    if (!serve) return;
    secrets.set("database password", DATABASE_PASSWORD);
    secrets.set("admin key", serve.adminToken);
    client = new HttpClient(serve.url, { socketsMax: 8 });
    const admin = serve.adminToken;
    tokens.secret = (await ok(call(admin, "POST", "/v1/keys", { kind: "secret", name: "backend" }))).token;
    for (const externalId of ["alice", "bob"])
      await ok(call(admin, "POST", "/v1/accounts", { type: "user", externalId }));
    ids.bob = (await ok(call(admin, "GET", "/v1/accounts/user:bob"))).id;
    await ok(call(admin, "POST", "/v1/accounts", { type: "organization", externalId: "bobco" }));
    await ok(call(admin, "POST", "/v1/accounts/organization:bobco/members", { member: "bob" }));
    const aliceKey = await ok(call(admin, "POST", "/v1/keys", { kind: "customer", account: "user:alice" }));
    const bobKey = await ok(call(admin, "POST", "/v1/keys", { kind: "customer", account: "user:bob" }));
    tokens.alice = aliceKey.token;
    tokens.bob = bobKey.token;
    ids.bobKey = bobKey.id;
    ids.aliceHold = (await ok(call(admin, "POST", "/v1/holds", { account: "user:alice", amount: "1" }))).holdId;
    ids.bobHold = (await ok(call(admin, "POST", "/v1/holds", { account: "user:bob", amount: "1" }))).holdId;
    ids.bobTransaction = (
      await ok(
        call(admin, "POST", "/v1/charges", { account: "user:bob", feature: "summarize", conversationId: "bob-chat" }),
      )
    ).transactionId;
    // A delivery that fails: the dispatcher logs its attempts at a closed port on this machine.
    const endpoint = await ok(call(admin, "POST", "/v1/webhook-endpoints", { url: "http://127.0.0.1:9/hooks" }));
    ids.endpoint = endpoint.id;
    secrets.set("webhook secret", endpoint.secret);
    await ok(call(admin, "POST", "/v1/accounts", { type: "organization", externalId: "drained" }));
    await ok(call(admin, "POST", "/v1/accounts/organization:drained/grants", { amount: "1", source: "promo" }));
    await ok(call(admin, "POST", "/v1/charges", { account: "organization:drained", amount: "1" }));
    // The depleted org's balance.depleted event, and its delivery to the endpoint.
    ids.event = (await ok(call(admin, "GET", "/v1/webhook-events"))).data[0]?.id ?? "x";
    ids.delivery = (await ok(call(admin, "GET", "/v1/webhook-deliveries"))).data[0]?.id ?? "x";
    secrets.set("secret key", tokens.secret);
    secrets.set("alice's customer token", tokens.alice);
    secrets.set("bob's customer token", tokens.bob);
  });
  after(async () => {
    client?.close();
    await serve?.stop();
  });

  test("a customer token reaches no other account through any route", async (t) => {
    if (!serve) return t.skip("PostgreSQL is not reachable");
    const document = JSON.parse((await sendRequest(serve.url, "GET", "/openapi.json")).body);
    const routes = routesOf(document);
    // Every id bob's side has, in every place a route takes one.
    const bobIds = {
      account: "user:bob",
      hold: ids.bobHold,
      transaction: ids.bobTransaction,
      keyId: ids.bobKey,
      endpoint: ids.endpoint,
      feature: "summarize",
      provider: "openai",
      model: "gpt-4o-mini",
      member: "bob",
      conversation: "bob-chat",
      event: ids.event,
      delivery: ids.delivery,
    };
    const wrong: string[] = [];
    let checked = 0;
    for (const route of routes) {
      const paths = [pathOf(route, bobIds)];
      if (route.pathParameters.some((parameter) => parameter.name === "account"))
        paths.push(
          pathOf(route, { ...bobIds, account: ids.bob }),
          pathOf(route, { ...bobIds, account: "organization:bobco" }),
        );
      for (const path of paths) {
        const query = route.queryParameters.some((parameter) => parameter.name === "account")
          ? "?account=user:bob"
          : "";
        const answer = await call(
          tokens.alice,
          route.method,
          `${path}${query}`,
          // A body the schema accepts, naming bob's: the refusal must come from the token, not the schema.
          route.body
            ? (BODIES_NAMING_BOB[`${route.method} ${route.template}`] ??
                exampleOf(route.body.schema, { ...FIELD_EXAMPLES, account: "user:bob", holdId: ids.bobHold }))
            : undefined,
        );
        checked++;
        // Whatever the route, nothing of bob's may come back; where it names an account, the answer is a refusal.
        // An operator's route that names no account may refuse the body before the token (400).
        const refusal =
          answer.status === 403 ||
          answer.status === 404 ||
          (answer.status === 400 && !route.namesAccount && !route.pathParameters.some((p) => p.name === "account"));
        const namesAnother =
          route.method !== "GET" ||
          route.namesAccount ||
          query !== "" ||
          route.pathParameters.some((parameter) => OWNED_PARAMETERS.has(parameter.name));
        if (namesAnother && !refusal) wrong.push(`${route.method} ${path}${query} → ${answer.status}`);
        if (answer.status < 300 && (answer.body.includes(ids.bob) || answer.body.includes('"bob'))) {
          wrong.push(`${route.method} ${path}${query} → ${answer.status} shows bob's: ${answer.body.slice(0, 120)}`);
        }
      }
    }
    reportFigure("security: another account's ids tried with a customer token", checked, "requests");
    assert.deepEqual(wrong, [], "answers that reached another account");
    // And the token is a working one: its own account answers.
    assert.equal((await call(tokens.alice, "GET", "/v1/accounts/user:alice/balances")).status, 200);
  });

  test("a rate limit lets exactly its burst through per key, the rest 429 with Retry-After", async (t) => {
    if (!serve) return t.skip("PostgreSQL is not reachable");
    // A server of its own with a small limit: one token every 1,000 s, so none refills in the burst.
    const limited = await startServeProcess({
      config: CONFIG,
      env: {
        TOLLGATE_ACCESS_LOG: "off",
        TOLLGATE_RATE_LIMIT_SECRET: `0.001,${RATE_BURST_SECRET}`,
        TOLLGATE_RATE_LIMIT_CUSTOMER: `0.001,${RATE_BURST_CUSTOMER}`,
      },
    });
    assert.ok(limited);
    const burstClient = new HttpClient(limited.url, { socketsMax: BURST_SENT });
    try {
      // Keys made through the store: the admin key's own requests would spend from its bucket.
      const keys = await ApiKeys.open(limited.sql);
      const made = await burstClient.send("POST", "/v1/accounts", {
        headers: { authorization: `Bearer ${limited.adminToken}`, "idempotency-key": "rate-account" },
        body: { type: "user", externalId: "carol" },
      });
      assert.equal(made.status, 200, made.body);
      const carol = JSON.parse(made.body).id;
      const burstKeys = [
        { name: "first secret key", burst: RATE_BURST_SECRET, token: (await keys.create({ kind: "secret" })).token },
        { name: "second secret key", burst: RATE_BURST_SECRET, token: (await keys.create({ kind: "secret" })).token },
        {
          name: "customer token",
          burst: RATE_BURST_CUSTOMER,
          token: (await keys.create({ kind: "customer", accountId: carol })).token,
        },
      ];
      await keys.close();
      const results = await Promise.all(
        burstKeys.map(async (key) => {
          const answers = await Promise.all(
            Array.from({ length: BURST_SENT }, () =>
              burstClient.send("GET", "/v1/accounts/user:carol/balances", {
                headers: { authorization: `Bearer ${key.token}` },
              }),
            ),
          );
          const limitedAnswers = answers.filter((answer) => answer.status === 429);
          return {
            ...key,
            passed: answers.filter((answer) => answer.status === 200).length,
            limited: limitedAnswers.length,
            retryAfter: limitedAnswers.map((answer) => Number(answer.headers["retry-after"])),
            other: answers
              .filter((answer) => answer.status !== 200 && answer.status !== 429)
              .map((answer) => answer.status),
          };
        }),
      );
      for (const result of results) {
        reportFigure(`security: ${result.name} passed of a burst of ${BURST_SENT}`, result.passed, "requests");
        assert.deepEqual(result.other, [], `${result.name}: only 200 and 429`);
        assert.equal(result.passed, result.burst, `${result.name}: exactly its burst passes`);
        assert.equal(result.limited, BURST_SENT - result.burst, `${result.name}: the rest are 429`);
        assert.ok(
          result.retryAfter.every((seconds) => Number.isInteger(seconds) && seconds >= 1),
          `${result.name}: every 429 says Retry-After in whole seconds: ${result.retryAfter}`,
        );
      }
      // Probes are never limited.
      for (let index = 0; index < 3; index++)
        assert.equal((await sendRequest(limited.url, "GET", "/healthz")).status, 200);
    } finally {
      burstClient.close();
      await limited.stop();
    }
  });
  // Last: it stops the server, so that every line it would write is in the output.
  test("no key, token, webhook secret or password appears in the output of a run over every route", async (t) => {
    if (!serve) return t.skip("PostgreSQL is not reachable");
    const document = JSON.parse((await sendRequest(serve.url, "GET", "/openapi.json")).body);
    const routes = routesOf(document);
    const everyId = {
      account: "user:alice",
      hold: ids.aliceHold,
      transaction: ids.bobTransaction,
      keyId: ids.bobKey,
      endpoint: ids.endpoint,
      feature: "summarize",
      provider: "openai",
      model: "gpt-4o-mini",
      member: "bob",
      conversation: "bob-chat",
    };
    let calls = 0;
    for (const token of [serve.adminToken, tokens.secret, tokens.alice]) {
      for (const route of routes) {
        const path = pathOf(route, everyId);
        // The live stream stays open: opened until its first event, then closed.
        if (route.template.endsWith("/events")) {
          await openAndCloseStream((serve as ServeProcess).url, `${path}?token=${tokens.secret}`, token);
          await openAndCloseStream((serve as ServeProcess).url, path, token);
          calls += 2;
          continue;
        }
        await call(
          token,
          route.method,
          path,
          route.method === "POST" ? { account: "user:alice", amount: "1" } : undefined,
        );
        // The same route with a secret where a careless log would copy it.
        const leak = tokens.secret;
        await call(token, route.method, `${path}?token=${leak}&password=${DATABASE_PASSWORD}`);
        await call(token, route.method, path, {
          account: leak,
          amount: leak,
          externalId: leak,
          url: `http://a:${leak}@b`,
        });
        await call(token, route.method, path, undefined, { "x-api-key": leak, cookie: `session=${leak}` });
        calls += 4;
      }
    }
    for (const token of [tokens.secret, tokens.alice, tokens.bob, `${tokens.secret}x`, serve.adminToken.slice(0, -2)])
      await call(token, "GET", `/v1/accounts/${encodeURIComponent(token)}/balances`);
    reportFigure("security: requests over every route", calls, "requests");
    // The dispatcher has tried the endpoint at least once (and logged it) before the output is read.
    assert.ok(
      await waitFor(() => /webhook/i.test((serve as ServeProcess).output()), 30_000),
      "the webhook dispatcher logged its failing delivery",
    );
    await serve.stop();
    const output = serve.output();
    reportFigure("security: output scanned", Buffer.byteLength(output), "bytes");
    const found: string[] = [];
    for (const [name, value] of secrets) {
      // The value, and its secret part alone (after the tg_sk_ or whsec_ prefix), whole or in part.
      const secretPart = value.replace(/^(tg_[a-z]{2}_|whsec_)/, "");
      const pieces = [value, secretPart, secretPart.slice(0, 16), secretPart.slice(-16)];
      for (const piece of pieces) if (output.includes(piece)) found.push(`${name} (${piece.slice(0, 6)}…)`);
    }
    assert.deepEqual([...new Set(found)], [], "secrets in the server's output");
    assert.match(output, /"message":"request"/, "the access log was on");
  });
});
