// Every /v1 endpoint × every kind of caller: a secret key, a customer token of the account,
// a customer token of another account, and no key. Real keys, real ledger, both databases.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig, type PlanCatalog } from "@tollgate/core";
import { testPlan } from "@tollgate/core/testing";
import { definePricingConfig, Meter } from "@tollgate/metering";
import { ApiKeys, Webhooks } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";

type Caller = "admin" | "secret" | "owner" | "other" | "none";

/** Two plans, no default plan: the other rows' accounts start as they always did. */
const catalog: PlanCatalog = {
  plans: [testPlan({ id: "basic", name: "Basic" }), testPlan({ id: "pro", name: "Pro", allocations: [] })],
  packs: [
    {
      id: "starter",
      name: "Starter",
      unit: "credits",
      amountMinor: 100n,
      bonusPercent: "0",
      expiresInMs: null,
      price: null,
      stripePriceId: null,
    },
  ],
  defaultPlans: {},
};
const CALLERS: Caller[] = ["admin", "secret", "owner", "other", "none"];

for (const database of await testDatabases()) {
  describe(`the /v1 authorization matrix on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    const tokens: Record<Caller, string | null> = { admin: null, secret: null, owner: null, other: null, none: null };
    let app: ReturnType<typeof createApp>;
    let sequence = 0;
    let aliceId = "";

    before(async () => {
      ledger = await openTestLedger(database, {
        config: defineLedgerConfig({
          signupGrants: {
            user: [{ unit: "credits", amountMinor: 100n, expiresInMs: null }],
            organization: [],
            guest: [],
          },
        }),
      });
      meter = await Meter.open({
        ledger,
        pricing: definePricingConfig({ features: { summarize: { unit: "credits", costMinor: 3n } } }),
      });
      keys = await ApiKeys.open(ledger.sql);
      await ledger.syncPlanCatalog(catalog);
      const alice = await ledger.ensureAccount({ type: "user", externalId: "alice" });
      aliceId = alice.accountId;
      await ledger.ensureAccount({ type: "organization", externalId: "acme" });
      await ledger.addMember({ organization: "acme", member: "alice" });
      const bob = await ledger.ensureAccount({ type: "user", externalId: "bob" });
      tokens.admin = (await keys.create({ kind: "secret", admin: true, name: "operator" })).token;
      tokens.secret = (await keys.create({ kind: "secret", name: "backend" })).token;
      tokens.owner = (await keys.create({ kind: "customer", accountId: alice.accountId })).token;
      tokens.other = (await keys.create({ kind: "customer", accountId: bob.accountId })).token;
      const [basic] = catalog.plans;
      assert.ok(
        basic &&
          (await ledger.subscribe({ account: { accountId: alice.accountId }, plan: basic, idempotencyKey: "sub" })).ok,
      );
      // No rate limit: the matrix sends each key more requests than a burst allows, as fast as the
      // machine runs, and what it checks is who may call what (rate limits have their own tests).
      app = createApp({ ledger, meter, keys, catalog, operations: { rateLimits: { secret: null, customer: null } } });
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    const call = (caller: Caller, method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown) =>
      app.request(path, {
        method,
        headers: {
          ...(tokens[caller] ? { authorization: `Bearer ${tokens[caller]}` } : {}),
          ...(method === "POST" ? { "content-type": "application/json", "idempotency-key": `k-${++sequence}` } : {}),
          ...(method === "PUT" ? { "content-type": "application/json" } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    /** A fresh hold of alice's, for the routes that act on one. */
    const newHold = async () => {
      const response = await call("secret", "POST", "/v1/holds", { account: "user:alice", amount: "1" });
      assert.equal(response.status, 200);
      return ((await response.json()) as { holdId: string }).holdId;
    };

    /** A fresh charge of alice's, for the routes that undo one. */
    const newCharge = async () => {
      const response = await call("secret", "POST", "/v1/charges", { account: "user:alice", amount: "1" });
      assert.equal(response.status, 200);
      return ((await response.json()) as { transactionId: string }).transactionId;
    };

    /** A fresh organization on the basic plan, for the routes that change or cancel a subscription. */
    const newSubscriber = async () => {
      const account = { type: "organization" as const, externalId: `subscriber-${++sequence}` };
      const [basic] = catalog.plans;
      assert.ok(basic && (await ledger.subscribe({ account, plan: basic, idempotencyKey: "sub" })).ok);
      return `organization:${account.externalId}`;
    };

    /** A fresh customer token's id (never a caller's own key: the matrix revokes it). */
    const newKeyId = async () => (await keys.create({ kind: "customer", accountId: aliceId })).key.keyId;

    /** A fresh webhook endpoint's id (the matrix disables some), and a delivery to it of a new event. */
    const newEndpointId = async () =>
      (await Webhooks.of(ledger).createEndpoint({ url: "http://127.0.0.1:9/hooks" })).endpoint.endpointId;
    const newDelivery = async () => {
      const webhooks = Webhooks.of(ledger);
      const endpointId = await newEndpointId();
      // An organization: no signup grant, so a grant of 1 and a charge of 1 drain it.
      const account = { type: "organization" as const, externalId: `drained-${++sequence}` };
      await ledger.grant({ account, amountMinor: 1n, source: "promo", idempotencyKey: "fill" });
      await ledger.charge({ account, amountMinor: 1n, idempotencyKey: "drain" });
      const [delivery] = (await webhooks.listDeliveries({ endpointId, limit: 1 })).items;
      assert.ok(delivery, "draining an account queues a balance.depleted delivery");
      return delivery;
    };

    const matrix: Array<{
      name: string;
      expected: Record<Exclude<Caller, "admin">, number> & { admin?: number };
      run: (caller: Caller) => Response | Promise<Response>;
    }> = [
      {
        name: "POST /v1/accounts",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/accounts", { type: "user", externalId: "carol" }),
      },
      {
        name: "GET /v1/accounts/{account}",
        expected: { secret: 200, owner: 200, other: 404, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/accounts/user:alice"),
      },
      {
        name: "GET /v1/accounts/{account}/balances",
        expected: { secret: 200, owner: 200, other: 404, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/accounts/user:alice/balances"),
      },
      {
        name: "POST /v1/accounts/{account}/grants",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/accounts/user:alice/grants", { amount: "5", source: "promo" }),
      },
      {
        name: "POST /v1/accounts/{account}/packs",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/accounts/user:alice/packs", { pack: "starter" }),
      },
      {
        name: "POST /v1/charges",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/charges", { account: "user:alice", feature: "summarize" }),
      },
      {
        name: "POST /v1/holds",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/holds", { account: "user:alice", amount: "1" }),
      },
      {
        name: "POST /v1/holds/{hold}/settle",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) => call(caller, "POST", `/v1/holds/${await newHold()}/settle`, { amount: "1" }),
      },
      {
        name: "POST /v1/holds/{hold}/release",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) => call(caller, "POST", `/v1/holds/${await newHold()}/release`),
      },
      {
        name: "POST /v1/usage-events",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) =>
          call(caller, "POST", "/v1/usage-events", {
            account: "user:alice",
            provider: "openai",
            model: "gpt-4o-mini",
            usage: { inputTokens: 1000, outputTokens: 100 },
            conversationId: "chat-1",
          }),
      },
      {
        // After the row above: alice's chat-1 has usage.
        name: "GET /v1/accounts/{account}/conversations/{conversation}",
        expected: { secret: 200, owner: 200, other: 404, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/accounts/user:alice/conversations/chat-1"),
      },
      {
        name: "POST /v1/usage-events/batch",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) =>
          call(caller, "POST", "/v1/usage-events/batch", {
            events: [
              {
                id: `batch-event-${++sequence}`,
                account: "user:alice",
                provider: "openai",
                model: "gpt-4o-mini",
                usage: { inputTokens: 1000, outputTokens: 100 },
              },
            ],
          }),
      },
      {
        name: "POST /v1/keys",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/keys", { account: "user:alice", name: "browser" }),
      },
      {
        name: "GET /v1/keys",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/keys?kind=customer&limit=2"),
      },
      {
        name: "GET /v1/keys/{keyId}",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) => call(caller, "GET", `/v1/keys/${await newKeyId()}`),
      },
      {
        name: "POST /v1/keys/{keyId}/revoke",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) => call(caller, "POST", `/v1/keys/${await newKeyId()}/revoke`),
      },
      {
        name: "GET /v1/plans",
        expected: { secret: 200, owner: 200, other: 200, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/plans"),
      },
      {
        name: "GET /v1/plans/{plan}",
        expected: { secret: 200, owner: 200, other: 200, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/plans/basic"),
      },
      {
        name: "GET /v1/packs",
        expected: { secret: 200, owner: 200, other: 200, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/packs"),
      },
      {
        name: "POST /v1/plans/{plan}/migrate",
        expected: { admin: 200, secret: 403, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/plans/basic/migrate", {}),
      },
      {
        name: "GET /v1/accounts/{account}/subscription",
        expected: { secret: 200, owner: 200, other: 404, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/accounts/user:alice/subscription"),
      },
      {
        name: "POST /v1/accounts/{account}/subscription",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) =>
          call(caller, "POST", `/v1/accounts/organization:new-${++sequence}/subscription`, { plan: "basic" }),
      },
      {
        name: "POST /v1/accounts/{account}/subscription/change",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) =>
          call(caller, "POST", `/v1/accounts/${await newSubscriber()}/subscription/change`, { plan: "pro" }),
      },
      {
        name: "POST /v1/accounts/{account}/subscription/cancel",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) => call(caller, "POST", `/v1/accounts/${await newSubscriber()}/subscription/cancel`),
      },
      // No Stripe in this app: a caller allowed past authorization gets stripe_not_configured (501).
      {
        name: "POST /v1/checkout-sessions",
        expected: { secret: 501, owner: 403, other: 403, none: 401 },
        run: (caller) =>
          call(caller, "POST", "/v1/checkout-sessions", {
            account: "user:alice",
            pack: "starter",
            successUrl: "http://127.0.0.1/ok",
            cancelUrl: "http://127.0.0.1/cancel",
          }),
      },
      {
        // No packs in this app: a caller allowed past authorization has its pack refused (400).
        name: "PUT /v1/accounts/{account}/auto-top-up",
        expected: { secret: 400, owner: 403, other: 403, none: 401 },
        run: (caller) =>
          call(caller, "PUT", "/v1/accounts/user:alice/auto-top-up", { pack: "starter", threshold: "10" }),
      },
      {
        name: "GET /v1/accounts/{account}/auto-top-up",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/accounts/user:alice/auto-top-up"),
      },
      {
        name: "DELETE /v1/accounts/{account}/auto-top-up",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "DELETE", "/v1/accounts/user:alice/auto-top-up"),
      },
      {
        name: "POST /v1/portal-sessions",
        expected: { secret: 501, owner: 403, other: 403, none: 401 },
        run: (caller) =>
          call(caller, "POST", "/v1/portal-sessions", { account: "user:alice", returnUrl: "http://127.0.0.1" }),
      },
      {
        name: "POST /v1/stripe/push",
        expected: { admin: 501, secret: 403, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/stripe/push", { dryRun: true }),
      },
      {
        name: "GET /v1/stripe/events",
        expected: { admin: 200, secret: 403, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/stripe/events"),
      },
      {
        name: "GET /v1/jobs",
        expected: { admin: 200, secret: 403, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/jobs"),
      },
      {
        name: "GET /v1/reconcile",
        expected: { admin: 200, secret: 403, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/reconcile"),
      },
      {
        name: "GET /v1/overview",
        expected: { admin: 200, secret: 403, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/overview"),
      },
      {
        name: "GET /v1/accounts/{account}/usage",
        expected: { secret: 200, owner: 200, other: 404, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/accounts/user:alice/usage?groupBy=model"),
      },
      {
        name: "GET /v1/accounts/{account}/transactions",
        expected: { secret: 200, owner: 200, other: 404, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/accounts/user:alice/transactions?limit=5"),
      },
      {
        name: "GET /v1/accounts/{account}/stats",
        expected: { secret: 200, owner: 200, other: 404, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/accounts/user:alice/stats"),
      },
      {
        name: "POST /v1/check",
        expected: { secret: 200, owner: 200, other: 404, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/check", { account: "user:alice", feature: "summarize" }),
      },
      {
        name: "GET /v1/features",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/features"),
      },
      {
        name: "POST /v1/features/{feature}",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/features/translate", { unit: "credits", cost: "2" }),
      },
      {
        name: "GET /v1/prices/{provider}/{model}",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", `/v1/prices/openrouter/${encodeURIComponent("openai/gpt-4o-mini")}`),
      },
      {
        name: "POST /v1/prices/{provider}/{model}",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) =>
          call(caller, "POST", "/v1/prices/acme/acme-large", { price: { input_mtok: "1", output_mtok: "2" } }),
      },
      {
        name: "GET /v1/prices",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/prices?search=gpt-4o-mini&limit=2"),
      },
      {
        name: "DELETE /v1/prices/{provider}/{model}",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) => {
          // A fresh override a second ago, so the clearing (from now) never lands on its instant.
          const model = `acme-cleared-${++sequence}`;
          const effectiveFrom = new Date(Date.now() - 1000).toISOString();
          await call("secret", "POST", `/v1/prices/acme/${model}`, { price: { input_mtok: "1" }, effectiveFrom });
          return call(caller, "DELETE", `/v1/prices/acme/${model}`);
        },
      },
      {
        name: "GET /v1/subscriptions",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/subscriptions?plan=basic&limit=5"),
      },
      {
        name: "GET /v1/accounts/{account}/holds",
        expected: { secret: 200, owner: 200, other: 404, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/accounts/user:alice/holds?limit=5"),
      },
      {
        name: "POST /v1/accounts/{account}/members",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) =>
          call(caller, "POST", "/v1/accounts/organization:acme/members", { member: "alice", caps: { credits: "10" } }),
      },
      {
        name: "POST /v1/webhook-endpoints",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/webhook-endpoints", { url: "https://app.example.com/hooks" }),
      },
      {
        name: "GET /v1/webhook-endpoints",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/webhook-endpoints?includeDisabled=true&limit=2"),
      },
      {
        name: "GET /v1/webhook-endpoints/{endpoint}",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) => call(caller, "GET", `/v1/webhook-endpoints/${await newEndpointId()}`),
      },
      {
        name: "POST /v1/webhook-endpoints/{endpoint}",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) =>
          call(caller, "POST", `/v1/webhook-endpoints/${await newEndpointId()}`, { description: "renamed" }),
      },
      {
        name: "POST /v1/webhook-endpoints/{endpoint}/disable",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) => call(caller, "POST", `/v1/webhook-endpoints/${await newEndpointId()}/disable`),
      },
      {
        name: "GET /v1/webhook-events",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/webhook-events?account=user:alice&limit=2"),
      },
      {
        name: "GET /v1/webhook-events/{event}",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) => call(caller, "GET", `/v1/webhook-events/${(await newDelivery()).eventId}`),
      },
      {
        name: "POST /v1/webhook-events/{event}/replay",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) => call(caller, "POST", `/v1/webhook-events/${(await newDelivery()).eventId}/replay`),
      },
      {
        name: "GET /v1/webhook-deliveries",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/webhook-deliveries?status=pending&limit=2"),
      },
      {
        name: "GET /v1/webhook-deliveries/{delivery}",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) => call(caller, "GET", `/v1/webhook-deliveries/${(await newDelivery()).deliveryId}`),
      },
      {
        name: "POST /v1/webhook-deliveries/{delivery}/replay",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) =>
          call(caller, "POST", `/v1/webhook-deliveries/${(await newDelivery()).deliveryId}/replay`),
      },
      {
        name: "GET /v1/accounts/{account}/low-balance-thresholds",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/accounts/user:alice/low-balance-thresholds"),
      },
      {
        name: "POST /v1/accounts/{account}/low-balance-thresholds",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/accounts/user:alice/low-balance-thresholds", { below: "10" }),
      },
      {
        name: "POST /v1/imports",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/imports", { rows: [{ account: "user:alice", amount: "1" }] }),
      },
      {
        name: "GET /v1/accounts",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/accounts?type=user&search=al&limit=2"),
      },
      {
        name: "POST /v1/accounts/{account}/deductions",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) =>
          call(caller, "POST", "/v1/accounts/user:alice/deductions", { amount: "1", reason: "a support correction" }),
      },
      {
        name: "GET /v1/accounts/{account}/feature-overrides",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/accounts/user:alice/feature-overrides"),
      },
      {
        name: "POST /v1/accounts/{account}/feature-overrides/{feature}",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "POST", "/v1/accounts/user:alice/feature-overrides/summarize", { cost: "1" }),
      },
      {
        name: "DELETE /v1/accounts/{account}/feature-overrides/{feature}",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "DELETE", "/v1/accounts/user:alice/feature-overrides/summarize"),
      },
      {
        name: "GET /v1/accounts/{account}/members",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "GET", "/v1/accounts/organization:acme/members?limit=10"),
      },
      {
        name: "POST /v1/accounts/{account}/members/{member}",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) =>
          call(caller, "POST", "/v1/accounts/organization:acme/members/alice", { caps: { credits: "20" } }),
      },
      {
        name: "DELETE /v1/accounts/{account}/members/{member}",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: (caller) => call(caller, "DELETE", "/v1/accounts/organization:acme/members/zed"),
      },
      {
        name: "POST /v1/transactions/{transaction}/refund",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) => call(caller, "POST", `/v1/transactions/${await newCharge()}/refund`, { amount: "1" }),
      },
      {
        name: "POST /v1/transactions/{transaction}/reverse",
        expected: { secret: 200, owner: 403, other: 403, none: 401 },
        run: async (caller) =>
          call(caller, "POST", `/v1/transactions/${await newCharge()}/reverse`, { reason: "charged by mistake" }),
      },
    ];

    for (const row of matrix) {
      test(row.name, async () => {
        for (const caller of CALLERS) {
          const response = await row.run(caller);
          // An admin key may do all a secret key may, unless the row says otherwise.
          assert.equal(
            response.status,
            row.expected[caller] ?? row.expected.secret,
            `${row.name} as ${caller}: ${await response.clone().text()}`,
          );
        }
      });
    }

    test("every route of the OpenAPI document is in the matrix", async () => {
      const document = (await (await app.request("/openapi.json")).json()) as { paths: Record<string, object> };
      const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      );
      assert.deepEqual(routes.sort(), matrix.map((row) => row.name).sort());
    });

    test("a charge beyond the balance is 402 with what was required and available; a replay returns the first answer", async () => {
      const poor = await call("secret", "POST", "/v1/charges", { account: "user:bob", amount: "1000" });
      assert.equal(poor.status, 402);
      const body = (await poor.json()) as { error: { code: string; details: Record<string, string> } };
      assert.equal(body.error.code, "insufficient_credits");
      assert.deepEqual(body.error.details, {
        reason: "insufficient_credits",
        unit: "credits",
        required: "1000",
        available: "100",
      });

      const request = {
        method: "POST",
        headers: {
          authorization: `Bearer ${tokens.secret}`,
          "content-type": "application/json",
          "idempotency-key": "same",
        },
        body: JSON.stringify({ account: "user:bob", amount: "7" }),
      };
      const firstResponse = await app.request("/v1/charges", request);
      const firstBytes = await firstResponse.text();
      const againResponse = await app.request("/v1/charges", request);
      assert.equal(await againResponse.text(), firstBytes, "the stored response, byte for byte");
      assert.equal(againResponse.headers.get("idempotent-replayed"), "true");
      assert.equal((JSON.parse(firstBytes) as { balance: string }).balance, "93");
      const other = await app.request("/v1/charges", {
        ...request,
        body: JSON.stringify({ account: "user:bob", amount: "8" }),
      });
      assert.equal(other.status, 422);
      assert.equal(((await other.json()) as { error: { code: string } }).error.code, "idempotency_conflict");
    });

    test("a usage event is priced, charged and reported; its history pages", async () => {
      const recorded = await call("secret", "POST", "/v1/usage-events", {
        account: "user:bob",
        provider: "openai",
        model: "gpt-4o",
        usage: { inputTokens: 1000, outputTokens: 500 },
      });
      assert.equal(recorded.status, 200);
      // $0.0075 at the default 1 USD = 1,000 credits, rounded up: 8.
      const event = (await recorded.json()) as { usageEventId: string; amount: string };
      assert.match(event.usageEventId, /^use_/);
      assert.equal(event.amount, "8");
      const report = (await (await call("secret", "GET", "/v1/accounts/user:bob/usage?groupBy=model")).json()) as {
        data: Array<{ key: string; providerCostUsd: string; charged: string }>;
      };
      assert.deepEqual(
        report.data.map((row) => [row.key, row.providerCostUsd, row.charged]),
        [["openai/gpt-4o", "0.0075", "8"]],
      );
      const unknown = await call("secret", "POST", "/v1/usage-events", {
        account: "user:bob",
        provider: "openai",
        model: "no-such-model",
        usage: { inputTokens: 1 },
      });
      assert.equal(unknown.status, 422);
      assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, "unknown_model_price");
      const bad = await call("secret", "POST", "/v1/usage-events", {
        account: "user:bob",
        provider: "openai",
        model: "gpt-4o",
        usage: { inputTokens: 1, cacheReadTokens: 5 },
      });
      assert.equal(bad.status, 400);
      const first = (await (await call("secret", "GET", "/v1/accounts/user:bob/transactions?limit=1")).json()) as {
        data: unknown[];
        nextCursor: string;
      };
      assert.equal(first.data.length, 1);
      const second = (await (
        await call(
          "secret",
          "GET",
          `/v1/accounts/user:bob/transactions?limit=1&before=${encodeURIComponent(first.nextCursor)}`,
        )
      ).json()) as { data: unknown[] };
      assert.equal(second.data.length, 1);
      assert.notDeepEqual(second.data, first.data);
    });

    test("check: a feature or a model call, allowed or refused with why; nothing is reserved", async () => {
      const check = async (body: object) =>
        (await (await call("secret", "POST", "/v1/check", { account: "user:bob", ...body })).json()) as Record<
          string,
          unknown
        >;
      const before = await (await call("secret", "GET", "/v1/accounts/user:bob/balances")).text();
      assert.deepEqual(await check({ feature: "summarize" }), {
        allowed: true,
        reason: null,
        unit: "credits",
        estimate: "3",
        required: "3",
        available: (JSON.parse(before) as { data: Array<{ available: string }> }).data[0]?.available,
        minimumAvailable: null,
        estimatedUsage: null,
        plan: null,
        plans: null,
        member: null,
      });
      assert.deepEqual(await check({ feature: "nope" }), {
        allowed: false,
        reason: "feature_not_found",
        unit: null,
        estimate: null,
        required: null,
        available: null,
        minimumAvailable: null,
        estimatedUsage: null,
        plan: null,
        plans: null,
        member: null,
      });
      const big = await check({
        provider: "openai",
        model: "gpt-4o",
        messages: [{ role: "user", content: "hi" }],
        maxTokens: 1_000_000,
      });
      assert.equal(big.allowed, false);
      assert.equal(big.reason, "insufficient_credits");
      // max_tokens 1,000,000 is capped by gpt-4o's 128,000-token context window: ~128k × $10/M ≈ $1.28.
      assert.equal(big.required, "1280");
      const unknown = await check({ provider: "openai", model: "nope-9", messages: [{ role: "user", content: "hi" }] });
      assert.equal(unknown.reason, "unknown_model_price");
      assert.equal(await (await call("secret", "GET", "/v1/accounts/user:bob/balances")).text(), before);
    });

    test("prices: the catalog's, then an override; a bad price is 400 and changes nothing", async () => {
      const catalog = (await (await call("secret", "GET", "/v1/prices/openai/gpt-4o")).json()) as {
        source: string;
        price: Record<string, string>;
      };
      assert.equal(catalog.source, "catalog");
      assert.equal(catalog.price.input_mtok, "2.5");
      const bad = await call("secret", "POST", "/v1/prices/openai/gpt-4o", { price: { input_mtok: "-1" } });
      assert.equal(bad.status, 400);
      const unknownKey = await call("secret", "POST", "/v1/prices/openai/gpt-4o", { price: { web_searches: "1" } });
      assert.equal(unknownKey.status, 400);
      assert.equal(
        ((await (await call("secret", "GET", "/v1/prices/openai/gpt-4o")).json()) as { source: string }).source,
        "catalog",
      );
      const set = await call("secret", "POST", "/v1/prices/openai/gpt-4o", {
        price: { input_mtok: "2", output_mtok: "8" },
        reason: "deal",
      });
      assert.equal(set.status, 200);
      const now = (await (await call("secret", "GET", "/v1/prices/openai/gpt-4o")).json()) as {
        source: string;
        price: Record<string, string>;
      };
      assert.deepEqual([now.source, now.price], ["override", { input_mtok: "2", output_mtok: "8" }]);
      assert.equal((await call("secret", "GET", "/v1/prices/openai/no-such-model")).status, 404);
    });

    test("members: an organization's member draws within a cap; a user has no members", async () => {
      await call("secret", "POST", "/v1/accounts/organization:acme/grants", { amount: "100", source: "purchase" });
      const added = await call("secret", "POST", "/v1/accounts/organization:acme/members", {
        member: "dave",
        caps: { credits: "5" },
      });
      assert.equal(added.status, 200);
      const within = await call("secret", "POST", "/v1/charges", {
        account: "organization:acme",
        member: "dave",
        amount: "5",
      });
      assert.equal(within.status, 200);
      const beyond = await call("secret", "POST", "/v1/charges", {
        account: "organization:acme",
        member: "dave",
        amount: "1",
      });
      assert.equal(beyond.status, 403);
      assert.equal(
        ((await beyond.json()) as { error: { details: { reason: string } } }).error.details.reason,
        "member_cap_exceeded",
      );
      const notOrganization = await call("secret", "POST", "/v1/accounts/user:alice/members", { member: "dave" });
      assert.equal(notOrganization.status, 400);
      const badCap = await call("secret", "POST", "/v1/accounts/organization:acme/members", {
        member: "erin",
        caps: { credits: "0.5" },
      });
      assert.equal(badCap.status, 400);
    });

    test("bad input is 400 naming the field, and changes nothing", async () => {
      const before = await (await call("secret", "GET", "/v1/accounts/user:bob/balances")).text();
      for (const body of [
        { account: "user:bob" },
        { account: "user:bob", amount: "-1" },
        { account: "user:bob", amount: "1.5" },
        { account: "nobody", amount: "1" },
      ]) {
        const response = await call("secret", "POST", "/v1/charges", body);
        assert.equal(response.status, 400, JSON.stringify(body));
        const error = ((await response.json()) as { error: { code: string; details: { fields?: unknown[] } } }).error;
        assert.equal(error.code, "invalid_request");
        assert.ok(error.details.fields?.length, "names the field");
      }
      const noKey = await app.request("/v1/charges", {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.secret}`, "content-type": "application/json" },
        body: JSON.stringify({ account: "user:bob", amount: "1" }),
      });
      assert.equal(noKey.status, 400);
      const reserved = await app.request("/v1/charges", {
        method: "POST",
        headers: {
          authorization: `Bearer ${tokens.secret}`,
          "content-type": "application/json",
          "idempotency-key": "tollgate:signup:1",
        },
        body: JSON.stringify({ account: "user:bob", amount: "1" }),
      });
      assert.equal(reserved.status, 400, "the ledger's reserved key namespace is refused");
      assert.equal(await (await call("secret", "GET", "/v1/accounts/user:bob/balances")).text(), before);
    });
  });
}
