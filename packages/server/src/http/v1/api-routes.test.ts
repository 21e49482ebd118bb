import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";

for (const database of await testDatabases()) {
  describe(`the /v1 API's document and authentication on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    before(async () => {
      ledger = await openTestLedger(database);
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });
    // No key exists: what every unauthenticated request meets.
    const app = () => createApp({ ledger, meter, keys });

    test("/openapi.json is an OpenAPI 3.1 document of every /v1 route, from the validating schemas", async () => {
      const response = await app().request("/openapi.json");
      assert.equal(response.status, 200);
      const document = (await response.json()) as {
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
        components: { schemas: Record<string, unknown> };
      };
      assert.equal(document.openapi, "3.1.0");
      // At least these (the authorization matrix checks that every documented route is tested).
      const paths = Object.keys(document.paths);
      const missing = [
        "/v1/accounts",
        "/v1/accounts/{account}",
        "/v1/accounts/{account}/balances",
        "/v1/accounts/{account}/grants",
        "/v1/accounts/{account}/members",
        "/v1/accounts/{account}/stats",
        "/v1/accounts/{account}/transactions",
        "/v1/accounts/{account}/usage",
        "/v1/charges",
        "/v1/check",
        "/v1/features",
        "/v1/features/{feature}",
        "/v1/holds",
        "/v1/holds/{hold}/release",
        "/v1/holds/{hold}/settle",
        "/v1/keys",
        "/v1/keys/{keyId}",
        "/v1/keys/{keyId}/revoke",
        "/v1/prices/{provider}/{model}",
        "/v1/usage-events",
        "/v1/usage-events/batch",
      ].filter((path) => !paths.includes(path));
      assert.deepEqual(missing, []);
      assert.ok(
        document.components.schemas.Account && document.components.schemas.Balance && document.components.schemas.Error,
      );
    });

    test("/docs renders the reference from the document, with nothing fetched from elsewhere", async () => {
      const response = await app().request("/docs");
      assert.equal(response.status, 200);
      const page = await response.text();
      assert.match(page, /<code>\/v1\/accounts\/\{account\}\/balances<\/code>/);
      assert.doesNotMatch(page, /<script|https?:\/\/(?!127)/);
    });

    test("no key, a malformed key or an unknown key: 401 in the one error shape, saying nothing more", async () => {
      for (const authorization of [undefined, "Basic abc", "Bearer tg_sk_unknown"]) {
        const response = await app().request("/v1/accounts/user:alice", {
          headers: authorization ? { authorization } : {},
        });
        assert.equal(response.status, 401);
        const body = (await response.json()) as { error: { code: string; details: object; requestId: string } };
        assert.equal(body.error.code, "unauthenticated");
        assert.deepEqual(body.error.details, {});
        assert.equal(typeof body.error.requestId, "string");
      }
    });

    test("without a key verifier the API is not served at all", async () => {
      const response = await createApp({ ledger }).request("/v1/accounts/user:alice");
      assert.equal(response.status, 404);
    });
  });
}
