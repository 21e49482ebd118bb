import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig, type PlanCatalog } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import Stripe from "stripe";
import { createApp } from "../../create-app.ts";

const catalog: PlanCatalog = {
  plans: [],
  packs: [
    {
      id: "starter",
      name: "Starter",
      unit: "credits",
      amountMinor: 1000n,
      bonusPercent: "0",
      expiresInMs: null,
      price: { amountMinor: 500n, currency: "usd" },
      stripePriceId: null,
    },
    {
      id: "gift",
      name: "Gift",
      unit: "credits",
      amountMinor: 10n,
      bonusPercent: "0",
      expiresInMs: null,
      price: null,
      stripePriceId: null,
    },
  ],
  defaultPlans: {},
};

for (const database of await testDatabases()) {
  describe(`automatic top-up routes on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let secret = "";
    before(async () => {
      ledger = await openTestLedger(database, {
        config: defineLedgerConfig({ signupGrants: { user: [], organization: [], guest: [] } }),
      });
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      secret = (await keys.create({ kind: "secret", name: "backend" })).token;
      await ledger.ensureAccount({ type: "user", externalId: "alice" });
      await ledger.ensureAccount({ type: "guest", externalId: "visitor" });
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    // The client is never called by these routes: setting a top-up only needs Stripe to be set up.
    const stripe = new Stripe("sk_test_unused");
    const call = async (
      method: "GET" | "PUT" | "DELETE",
      path: string,
      body?: unknown,
      client: Stripe | null = stripe,
    ) => {
      const app = createApp({ ledger, meter, keys, catalog, stripe: { client, webhookSecrets: [] } });
      const response = await app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${secret}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field, each read asserted
      return { status: response.status, body: (await response.json()) as any };
    };
    const stored = async () =>
      Number((await ledger.sql.query<{ count: bigint }>("select count(*) as count from auto_top_ups"))[0]?.count);

    test("put sets and replaces, get reads, delete removes", async () => {
      const set = await call("PUT", "/v1/accounts/user:alice/auto-top-up", { pack: "starter", threshold: "100" });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.deepEqual(set.body.autoTopUps, [{ unit: "credits", pack: "starter", threshold: "100" }]);
      const again = await call("PUT", "/v1/accounts/user:alice/auto-top-up", { pack: "starter", threshold: "250" });
      assert.deepEqual(again.body.autoTopUps, [{ unit: "credits", pack: "starter", threshold: "250" }]);
      const read = await call("GET", "/v1/accounts/user:alice/auto-top-up");
      assert.equal(read.status, 200);
      assert.deepEqual([read.body.autoTopUps.length, read.body.crossings], [1, []]);
      const removed = await call("DELETE", "/v1/accounts/user:alice/auto-top-up");
      assert.equal(removed.status, 200);
      assert.deepEqual(removed.body.autoTopUps, []);
      assert.equal(await stored(), 0);
    });

    test("bad input is 400 naming the field, and writes nothing", async () => {
      const rows: Array<[body: unknown, field: string]> = [
        [{ pack: "nope", threshold: "100" }, "pack"],
        [{ pack: "gift", threshold: "100" }, "pack"],
        [{ pack: "starter", threshold: "0" }, "threshold"],
        [{ pack: "starter", threshold: "1.5" }, "threshold"],
        [{ pack: "starter", threshold: "-1" }, "threshold"],
        [{ pack: "starter" }, "threshold"],
        [{ pack: "starter", threshold: "100", extra: true }, ""],
      ];
      for (const [body, field] of rows) {
        const refused = await call("PUT", "/v1/accounts/user:alice/auto-top-up", body);
        assert.equal(refused.status, 400, JSON.stringify(body));
        assert.equal(refused.body.error.code, "invalid_request");
        if (field) {
          const fields = (refused.body.error.details.fields ?? []).map((entry: { field: string }) => entry.field);
          assert.ok(fields.includes(field), `${JSON.stringify(body)}: ${JSON.stringify(refused.body.error)}`);
        }
      }
      assert.equal(await stored(), 0);
    });

    test("a guest cannot buy, an unknown account is 404, and without Stripe nothing is set", async () => {
      const guest = await call("PUT", "/v1/accounts/guest:visitor/auto-top-up", { pack: "starter", threshold: "1" });
      assert.deepEqual([guest.status, guest.body.error.details.reason], [403, "guest_cannot_purchase"]);
      const missing = await call("PUT", "/v1/accounts/user:nobody/auto-top-up", { pack: "starter", threshold: "1" });
      assert.equal(missing.status, 404);
      const noStripe = await call(
        "PUT",
        "/v1/accounts/user:alice/auto-top-up",
        { pack: "starter", threshold: "1" },
        null,
      );
      assert.deepEqual([noStripe.status, noStripe.body.error.code], [501, "stripe_not_configured"]);
      assert.equal(await stored(), 0);
    });
  });
}
