// Per-account feature costs over HTTP on both databases: set one (0 for free), list them beside
// the feature's cost, remove one (the account pays the feature's cost again); a 404 names what
// is unknown.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { definePricingConfig, Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";

interface ErrorJson {
  error: { code: string; message: string; details: { reason?: string; fields?: Array<{ field: string }> } };
}

for (const database of await testDatabases()) {
  describe(`/v1/accounts/{account}/feature-overrides on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let app: ReturnType<typeof createApp>;
    let token = "";
    let sequence = 0;

    before(async () => {
      ledger = await openTestLedger(database, {
        config: defineLedgerConfig({
          units: [
            { unit: "credits", scale: 0 },
            { unit: "usd", scale: 2 },
          ],
          signupGrants: {
            user: [{ unit: "credits", amountMinor: 100n, expiresInMs: null }],
            organization: [],
            guest: [],
          },
        }),
      });
      meter = await Meter.open({
        ledger,
        pricing: definePricingConfig({
          features: {
            summarize: { unit: "credits", costMinor: 3n },
            export_pdf: { unit: "usd", costMinor: 250n },
          },
        }),
      });
      keys = await ApiKeys.open(ledger.sql);
      token = (await keys.create({ kind: "secret", name: "backend" })).token;
      app = createApp({ ledger, meter, keys });
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    const call = (method: "GET" | "POST" | "DELETE", path: string, body?: unknown) =>
      app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(method === "POST" ? { "content-type": "application/json", "idempotency-key": `k-${++sequence}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const charge = async (account: string, feature: string) =>
      ((await (await call("POST", "/v1/charges", { account, feature })).json()) as { amount: string }).amount;

    test("set, listed beside the feature's cost, charged; removed, the feature's cost again", async () => {
      const { accountId } = await ledger.ensureAccount({ type: "user", externalId: "vip" });
      const path = "/v1/accounts/user:vip/feature-overrides";
      assert.deepEqual(await (await call("GET", path)).json(), { data: [] });

      const free = await call("POST", `${path}/summarize`, { cost: "0" });
      assert.equal(free.status, 200);
      assert.deepEqual(await free.json(), {
        accountId,
        feature: "summarize",
        unit: "credits",
        cost: "0",
        featureCost: "3",
        overridden: true,
        changed: true,
      });
      assert.equal(await charge("user:vip", "summarize"), "0", "free for this account");
      assert.equal(await charge("user:alice", "summarize"), "3", "not for another");

      const cheaper = await call("POST", `${path}/export_pdf`, { cost: "1.5" });
      assert.equal(((await cheaper.json()) as { cost: string }).cost, "1.50", "in the feature's unit's scale");
      const listed = (await (await call("GET", path)).json()) as {
        data: Array<{ feature: string; unit: string; cost: string; featureCost: string; updatedAt: string }>;
      };
      assert.deepEqual(
        listed.data.map(({ feature, unit, cost, featureCost }) => [feature, unit, cost, featureCost]),
        [
          ["export_pdf", "usd", "1.50", "2.50"],
          ["summarize", "credits", "0", "3"],
        ],
      );
      assert.ok(listed.data.every((override) => !Number.isNaN(Date.parse(override.updatedAt))));

      const removed = await call("DELETE", `${path}/summarize`);
      assert.equal(removed.status, 200);
      assert.deepEqual(await removed.json(), {
        accountId,
        feature: "summarize",
        unit: "credits",
        cost: "3",
        featureCost: "3",
        overridden: false,
        changed: true,
      });
      assert.equal(await charge("user:vip", "summarize"), "3");
      const again = (await (await call("DELETE", `${path}/summarize`)).json()) as { changed: boolean };
      assert.equal(again.changed, false, "removing twice is harmless and says nothing changed");
      assert.deepEqual(
        ((await (await call("GET", path)).json()) as { data: Array<{ feature: string }> }).data.map(
          (override) => override.feature,
        ),
        ["export_pdf"],
      );
    });

    test("an unknown feature or account is a 404 naming it; bad input a 400; nothing changes", async () => {
      await ledger.ensureAccount({ type: "user", externalId: "bo" });
      const path = "/v1/accounts/user:bo/feature-overrides";
      for (const response of [
        await call("POST", `${path}/forecast`, { cost: "1" }),
        await call("DELETE", `${path}/forecast`),
      ]) {
        assert.equal(response.status, 404);
        const { error } = (await response.json()) as ErrorJson;
        assert.equal(error.details.reason, "feature_not_found");
        assert.match(error.message, /forecast/);
      }
      assert.equal((await call("GET", "/v1/accounts/user:nobody/feature-overrides")).status, 404);
      assert.equal(
        (await call("POST", "/v1/accounts/user:nobody/feature-overrides/summarize", { cost: "1" })).status,
        404,
      );
      assert.equal(await ledger.accounts.find({ type: "user", externalId: "nobody" }), null, "never created");

      for (const [suffix, body, field] of [
        ["summarize", { cost: "1.5" }, "cost"],
        ["summarize", { cost: "-1" }, "cost"],
        ["summarize", {}, "cost"],
        ["Not-A-Name", { cost: "1" }, "feature"],
      ] as const) {
        const response = await call("POST", `${path}/${suffix}`, body);
        assert.equal(response.status, 400, JSON.stringify(body));
        const { error } = (await response.json()) as ErrorJson;
        assert.deepEqual(
          error.details.fields?.map((named) => named.field),
          [field],
        );
      }
      const unknownField = await call("POST", `${path}/summarize`, { cost: "1", unit: "usd" });
      assert.equal(unknownField.status, 400, "the unit is the feature's: an unknown field is refused");
      assert.equal((await call("GET", `${path}?feature=summarize`)).status, 400, "a query it does not take");
      assert.deepEqual(await (await call("GET", path)).json(), { data: [] });
    });
  });
}
