// POST /v1/accounts/{account}/deductions on both databases: a reason kept in history, a 402
// that names the unit, bad input refused before anything changes, never a new account.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";

interface ErrorJson {
  error: { code: string; details: { reason?: string; fields?: Array<{ field: string }> } & Record<string, unknown> };
}

for (const database of await testDatabases()) {
  describe(`POST /v1/accounts/{account}/deductions on ${database.name}`, () => {
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
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      token = (await keys.create({ kind: "secret", name: "backend" })).token;
      app = createApp({ ledger, meter, keys });
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    const deduct = (account: string, body: unknown, idempotencyKey = `deduct-${++sequence}`) =>
      app.request(`/v1/accounts/${account}/deductions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "idempotency-key": idempotencyKey,
        },
        body: JSON.stringify(body),
      });
    const get = async (path: string) =>
      (await app.request(path, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<
        Record<string, unknown>
      >;
    const balancesOf = (account: string) => get(`/v1/accounts/${account}/balances`);

    test("takes the amount with its reason, which the account's history keeps", async () => {
      const { accountId } = await ledger.ensureAccount({ type: "user", externalId: "ann" });
      const response = await deduct("user:ann", { amount: "30", reason: "duplicate signup credit" });
      assert.equal(response.status, 200);
      const deducted = (await response.json()) as Record<string, string>;
      assert.match(deducted.transactionId ?? "", /^txn_/);
      assert.deepEqual(
        { ...deducted, transactionId: "txn" },
        {
          transactionId: "txn",
          accountId,
          unit: "credits",
          amount: "30",
          reason: "duplicate signup credit",
          balance: "70",
          available: "70",
        },
      );
      const history = (await get("/v1/accounts/user:ann/transactions?limit=1")) as {
        data: Array<{ transactionId: string; kind: string; amount: string; reason: string | null }>;
      };
      const [line] = history.data;
      assert.deepEqual(line && [line.transactionId, line.kind, line.amount, line.reason], [
        deducted.transactionId,
        "deduction",
        "-30",
        "duplicate signup credit",
      ]);
    });

    test("in another unit, in that unit's scale; a replay answers the first deduction and takes nothing more", async () => {
      await ledger.grant({
        account: { type: "user", externalId: "bea" },
        unit: "usd",
        amountMinor: 1000n,
        source: "purchase",
        idempotencyKey: "bea-usd",
      });
      const first = await deduct("user:bea", { amount: "1.25", unit: "usd", reason: "chargeback" }, "bea-1");
      const again = await deduct("user:bea", { amount: "1.25", unit: "usd", reason: "chargeback" }, "bea-1");
      assert.equal(first.status, 200);
      assert.equal(await again.text(), await first.text());
      const usd = ((await balancesOf("user:bea")) as { data: Array<{ unit: string; balance: string }> }).data.find(
        (balance) => balance.unit === "usd",
      );
      assert.equal(usd?.balance, "8.75");
    });

    test("402 when the balance cannot cover it, naming the unit; nothing is taken", async () => {
      await ledger.ensureAccount({ type: "user", externalId: "cal" });
      const before = JSON.stringify(await balancesOf("user:cal"));
      const response = await deduct("user:cal", { amount: "101", reason: "too much" });
      assert.equal(response.status, 402);
      const { error } = (await response.json()) as ErrorJson;
      assert.equal(error.code, "insufficient_credits");
      assert.deepEqual(error.details, {
        reason: "insufficient_credits",
        required: "101",
        available: "100",
        unit: "credits",
      });
      assert.equal(JSON.stringify(await balancesOf("user:cal")), before);
    });

    test("bad input is a 400 naming the field, and changes nothing", async () => {
      await ledger.ensureAccount({ type: "user", externalId: "dee" });
      const before = JSON.stringify(await balancesOf("user:dee"));
      for (const [body, field] of [
        [{ amount: "5" }, "reason"],
        [{ amount: "5", reason: "" }, "reason"],
        [{ amount: "5", reason: "   " }, "reason"],
        [{ amount: "5", reason: "x".repeat(501) }, "reason"],
        [{ amount: "0", reason: "nothing" }, "amount"],
        [{ amount: "1.5", reason: "too precise" }, "amount"],
        [{ amount: "5", unit: "gold", reason: "no such unit" }, "unit"],
      ] as const) {
        const response = await deduct("user:dee", body);
        assert.equal(response.status, 400, JSON.stringify(body));
        const { error } = (await response.json()) as ErrorJson;
        assert.equal(error.code, "invalid_request");
        assert.deepEqual(
          error.details.fields?.map((named) => named.field),
          [field],
          JSON.stringify(body),
        );
      }
      const unknown = await deduct("user:dee", { amount: "5", reason: "typo", reasn: "typo" });
      assert.equal(unknown.status, 400, "an unknown field is refused");
      assert.match(((await unknown.json()) as { error: { message: string } }).error.message, /reasn/);
      assert.equal(JSON.stringify(await balancesOf("user:dee")), before);
    });

    test("an account that does not exist is a 404, by external id or by id, and is not created", async () => {
      for (const account of ["user:ghost", "acct_0000000000000000000000000000000f"]) {
        const response = await deduct(account, { amount: "1", reason: "none" });
        assert.equal(response.status, 404, account);
        assert.equal(((await response.json()) as ErrorJson).error.code, "not_found");
      }
      assert.equal(await ledger.accounts.find({ type: "user", externalId: "ghost" }), null);
    });
  });
}
