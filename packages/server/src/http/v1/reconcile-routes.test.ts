// GET /v1/reconcile on both databases: an admin key's report, amounts in their unit's scale;
// any other key is refused.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";

interface Report {
  ok: boolean;
  summary: { accounts: number };
  checks: Array<{
    name: string;
    mismatches: Array<{ unit: string; measure: string; expected: string; actual: string }>;
  }>;
}

for (const database of await testDatabases()) {
  describe(`/v1/reconcile on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let app: ReturnType<typeof createApp>;
    const tokens = { admin: "", secret: "", customer: "" };

    before(async () => {
      ledger = await openTestLedger(database, {
        config: defineLedgerConfig({ units: [{ unit: "usd", scale: 2 }], defaultUnit: "usd" }),
      });
      meter = await Meter.open({ ledger });
      const keys = new ApiKeys(ledger.sql);
      const alice = await ledger.ensureAccount({ type: "user", externalId: "alice" });
      tokens.admin = (await keys.create({ kind: "secret", admin: true })).token;
      tokens.secret = (await keys.create({ kind: "secret" })).token;
      tokens.customer = (await keys.create({ kind: "customer", accountId: alice.accountId })).token;
      app = createApp({ ledger, meter, keys });
      const granted = await ledger.grant({
        account: { accountId: alice.accountId },
        amountMinor: 1250n,
        source: "promo",
        idempotencyKey: "g1",
      });
      assert.ok(granted.ok);
    });
    after(async () => {
      await meter.close();
      await ledger.dispose();
    });

    const get = (token: string) => app.request("/v1/reconcile", { headers: { authorization: `Bearer ${token}` } });

    test("an admin key gets the report; a plain secret key and a customer token are refused", async () => {
      const response = await get(tokens.admin);
      assert.equal(response.status, 200);
      const report = (await response.json()) as Report;
      assert.equal(report.ok, true);
      assert.ok(report.summary.accounts >= 1);
      assert.ok(report.checks.length > 0 && report.checks.every((check) => check.mismatches.length === 0));
      assert.equal((await get(tokens.secret)).status, 403);
      assert.equal((await get(tokens.customer)).status, 403);
    });

    test("a mismatch is reported with its amounts in the unit's scale", async () => {
      await ledger.sql.query("update balances set balance_minor = balance_minor + 1 where unit = 'usd'");
      try {
        const report = (await (await get(tokens.admin)).json()) as Report;
        assert.equal(report.ok, false);
        const amounts = report.checks.flatMap((check) => check.mismatches).filter((m) => m.measure === "amount");
        assert.ok(amounts.some((m) => m.unit === "usd" && m.expected === "12.50" && m.actual === "12.51"));
      } finally {
        await ledger.sql.query("update balances set balance_minor = balance_minor - 1 where unit = 'usd'");
      }
    });
  });
}
