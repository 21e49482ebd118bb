// GET /openai/v1/models through the official `openai` client on both databases: the upstream's
// models that the caller's plan allows and the price book prices, for the caller's account
// (customer token, or secret key and X-Tollgate-Account), in OpenAI's list format.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { PlanCatalog } from "@tollgate/core";
import { testPlan } from "@tollgate/core/testing";
import { testDatabases } from "@tollgate/store/testing";
import OpenAI, { APIError } from "openai";
import { FakeOpenRouter } from "./fake-openrouter.ts";
import { openProxyTestApp, type ProxyTestApp } from "./proxy-test-app.ts";
import { UpstreamModels, UpstreamModelsError } from "./upstream-models.ts";

/** gpt-4o-mini and OpenAI's embedding models, not gpt-4o. */
const mini = testPlan({
  id: "mini",
  models: { allow: ["openai/gpt-4o-mini", "openai/text-embedding-*"], deny: [] },
});
/** What a new organization gets: Anthropic's models, every one. */
const team = testPlan({ id: "team", models: { allow: ["anthropic/*"], deny: [] } });
const catalog: PlanCatalog = { plans: [mini, team], packs: [], defaultPlans: { organization: "team" } };

/** Every model the fake lists that a price book prices (acme/unpriced-model is not). */
const PRICED = ["openai/gpt-4o-mini", "openai/gpt-4o", "openai/text-embedding-3-small", "anthropic/claude-sonnet-4"];

const ids = async (client: OpenAI) => {
  const listed: string[] = [];
  for await (const model of client.models.list()) listed.push(model.id);
  return listed;
};

for (const database of await testDatabases()) {
  describe(`GET /openai/v1/models on ${database.name}`, () => {
    let proxy: ProxyTestApp;
    let miaToken = "";
    before(async () => {
      proxy = await openProxyTestApp(database, { catalog });
      const account = { type: "user" as const, externalId: "mia" };
      assert.ok((await proxy.ledger.subscribe({ account, plan: mini, idempotencyKey: "sub" })).ok);
      const { accountId } = await proxy.ledger.ensureAccount(account);
      miaToken = (await proxy.keys.create({ kind: "customer", name: "mia", accountId })).token;
    });
    after(() => proxy.close());

    const clientFor = (apiKey: string, account?: string) =>
      new OpenAI({
        baseURL: proxy.baseURL,
        apiKey,
        maxRetries: 0,
        ...(account ? { defaultHeaders: { "X-Tollgate-Account": account } } : {}),
      });

    // First: the listing is then read afresh (later tests share the one read within a minute).
    test("an upstream that cannot list is 502 upstream_error in OpenAI's format", async () => {
      proxy.upstream.mode = "error";
      try {
        const error = await ids(clientFor(miaToken)).then(
          () => null,
          (caught: unknown) => caught,
        );
        assert.ok(error instanceof APIError, String(error));
        assert.deepEqual([error.status, error.code], [502, "upstream_error"]);
      } finally {
        proxy.upstream.mode = "answer";
      }
    });

    test("without a plan: every model the upstream lists and the price book prices", async () => {
      const ann = await proxy.customer("ann", 10n);
      const page = await clientFor(ann.token).models.list();
      assert.deepEqual(
        page.data.map((model) => model.id),
        PRICED,
      );
      assert.deepEqual(page.data[0], {
        id: "openai/gpt-4o-mini",
        object: "model",
        created: 1_700_000_000,
        owned_by: "openai",
      });
      const forwarded = proxy.upstream.requests.findLast((request) => request.path === "/api/v1/models");
      assert.equal(forwarded?.authorization, "Bearer sk-or-test", "the upstream key is the configuration's");
    });

    test("on a plan: only the models its rule allows, by customer token or secret key alike", async () => {
      const allowed = ["openai/gpt-4o-mini", "openai/text-embedding-3-small"];
      assert.deepEqual(await ids(clientFor(miaToken)), allowed);
      assert.deepEqual(await ids(clientFor(proxy.secret, "user:mia")), allowed);
      const model = await clientFor(miaToken).models.retrieve("openai/gpt-4o-mini");
      assert.deepEqual([model.id, model.object], ["openai/gpt-4o-mini", "model"]);
      const error = await clientFor(miaToken)
        .models.retrieve("openai/gpt-4o")
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      assert.ok(error instanceof APIError, String(error));
      assert.deepEqual([error.status, error.code], [404, "model_not_found"]);
    });

    test("an account not opened yet lists its type's default plan, and is not opened by listing", async () => {
      assert.deepEqual(await ids(clientFor(proxy.secret, "organization:newco")), ["anthropic/claude-sonnet-4"]);
      assert.equal(await proxy.ledger.accounts.findId({ type: "organization", externalId: "newco" }), null);
      assert.deepEqual(await ids(clientFor(proxy.secret, "user:nobody")), PRICED, "users have no default plan");
    });

    test("who may list: unknown keys are 401, a secret key must name the account", async () => {
      const rows: Array<[string, OpenAI, number, string]> = [
        ["unknown key", clientFor("tg_ct_nope"), 401, "unauthenticated"],
        ["secret key without account", clientFor(proxy.secret), 400, "invalid_request"],
        ["customer token naming an account", clientFor(miaToken, "user:ann"), 400, "invalid_request"],
      ];
      for (const [who, client, status, code] of rows) {
        const error = await ids(client).then(
          () => null,
          (caught: unknown) => caught,
        );
        assert.ok(error instanceof APIError, `${who}: ${String(error)}`);
        assert.deepEqual([error.status, error.code], [status, code], who);
      }
    });
  });
}

describe("UpstreamModels", () => {
  let upstream: FakeOpenRouter;
  before(async () => {
    upstream = await FakeOpenRouter.start();
  });
  after(() => upstream.close());
  const listings = () => upstream.requests.filter((request) => request.path === "/api/v1/models").length;

  test("reads the listing once a minute, one request for concurrent readers", async () => {
    let nowMs = 0;
    const models = new UpstreamModels({ baseUrl: upstream.baseUrl, headers: {} }, { nowMs: () => nowMs });
    const before = listings();
    const [first, second] = await Promise.all([models.list(), models.list()]);
    assert.equal(first, second);
    assert.equal(listings() - before, 1);
    nowMs = 59_999;
    await models.list();
    assert.equal(listings() - before, 1, "still fresh");
    nowMs = 60_000;
    assert.equal((await models.list()).length, 5);
    assert.equal(listings() - before, 2, "read again once stale");
  });

  test("an upstream error is an UpstreamModelsError, and the next read tries again", async () => {
    const models = new UpstreamModels({ baseUrl: upstream.baseUrl, headers: {} }, { nowMs: () => 0 });
    upstream.mode = "error";
    try {
      await assert.rejects(models.list(), UpstreamModelsError);
    } finally {
      upstream.mode = "answer";
    }
    assert.equal((await models.list()).length, 5);
  });
});
