// Refunds and reversals over HTTP on both databases: each answers the new transaction and the
// balance after it; a refund never exceeds its charge, a reversal happens once.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";

interface UndoJson {
  transactionId: string;
  kind: string;
  reversesTransactionId: string;
  accountId: string;
  unit: string;
  amount: string;
  reason: string | null;
  balance: string;
  available: string;
}

interface ErrorJson {
  error: { code: string; details: Record<string, unknown> & { fields?: Array<{ field: string }> } };
}

for (const database of await testDatabases()) {
  describe(`refunds and reversals on ${database.name}`, () => {
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

    const post = (path: string, body: unknown, idempotencyKey = `k-${++sequence}`) =>
      app.request(path, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "idempotency-key": idempotencyKey,
        },
        body: JSON.stringify(body),
      });
    const transactionOf = async (response: Response) => {
      assert.equal(response.status, 200, await response.clone().text());
      return ((await response.json()) as { transactionId: string }).transactionId;
    };
    const refund = (transactionId: string, body: unknown = {}, key?: string) =>
      post(`/v1/transactions/${transactionId}/refund`, body, key);
    const reverse = (transactionId: string, body: unknown) => post(`/v1/transactions/${transactionId}/reverse`, body);
    const reasonOf = async (response: Response) => ((await response.json()) as ErrorJson).error.details.reason;

    test("a charge is refunded in parts, each answered with the balance after it, never beyond the charge", async () => {
      const charged = await transactionOf(await post("/v1/charges", { account: "user:ann", amount: "30" }));
      const first = await refund(charged, { amount: "10", reason: "a failed generation" }, "ann-refund-1");
      assert.equal(first.status, 200);
      const part = (await first.json()) as UndoJson;
      assert.match(part.transactionId, /^txn_/);
      assert.notEqual(part.transactionId, charged);
      assert.deepEqual(
        { ...part, transactionId: "txn", accountId: "acct" },
        {
          transactionId: "txn",
          kind: "refund",
          reversesTransactionId: charged,
          accountId: "acct",
          unit: "credits",
          amount: "10",
          reason: "a failed generation",
          balance: "80",
          available: "80",
        },
      );
      const replay = await refund(charged, { amount: "10", reason: "a failed generation" }, "ann-refund-1");
      assert.equal(
        ((await replay.json()) as UndoJson).transactionId,
        part.transactionId,
        "a replay refunds nothing more",
      );

      const rest = (await (await refund(charged)).json()) as UndoJson;
      assert.deepEqual(
        [rest.amount, rest.reason, rest.balance],
        ["20", null, "100"],
        "without amount: all that is left",
      );
      const beyond = await refund(charged, { amount: "1" });
      assert.equal(beyond.status, 400);
      assert.equal(await reasonOf(beyond), "refund_exceeds_charge");

      const history = (await (
        await app.request("/v1/accounts/user:ann/transactions?limit=1", {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as { data: Array<{ transactionId: string; kind: string }> };
      assert.deepEqual(
        history.data.map((line) => [line.transactionId, line.kind]),
        [[rest.transactionId, "refund"]],
      );
    });

    test("an amount in the transaction's unit and scale", async () => {
      await ledger.grant({
        account: { type: "user", externalId: "bea" },
        unit: "usd",
        amountMinor: 1000n,
        source: "purchase",
        idempotencyKey: "bea-usd",
      });
      const charged = await transactionOf(
        await post("/v1/charges", { account: "user:bea", amount: "2.5", unit: "usd" }),
      );
      const refunded = (await (await refund(charged, { amount: "0.5" })).json()) as UndoJson;
      assert.deepEqual([refunded.unit, refunded.amount, refunded.balance], ["usd", "0.50", "8.00"]);
      const tooPrecise = await refund(charged, { amount: "0.001" });
      assert.equal(tooPrecise.status, 400);
      assert.deepEqual(
        ((await tooPrecise.json()) as ErrorJson).error.details.fields?.map((named) => named.field),
        ["amount"],
      );
    });

    test("a deduction or a grant is reversed once, with its reason; a grant is not refunded", async () => {
      await ledger.ensureAccount({ type: "user", externalId: "cal" });
      const deducted = await transactionOf(
        await post("/v1/accounts/user:cal/deductions", { amount: "40", reason: "duplicate credit" }),
      );
      const reversed = await reverse(deducted, { reason: "deducted by mistake" });
      assert.equal(reversed.status, 200);
      const undo = (await reversed.json()) as UndoJson;
      assert.deepEqual(
        [undo.kind, undo.reversesTransactionId, undo.amount, undo.reason, undo.balance],
        ["reversal", deducted, "40", "deducted by mistake", "100"],
      );
      const twice = await reverse(deducted, { reason: "again" });
      assert.equal(twice.status, 400);
      assert.equal(await reasonOf(twice), "transaction_already_reversed");

      const granted = await transactionOf(
        await post("/v1/accounts/user:cal/grants", { amount: "25", source: "promo" }),
      );
      const notRefundable = await refund(granted);
      assert.equal(notRefundable.status, 400);
      assert.equal(await reasonOf(notRefundable), "transaction_not_refundable");
      const takenBack = (await (await reverse(granted, { reason: "promo sent twice" })).json()) as UndoJson;
      assert.deepEqual([takenBack.amount, takenBack.balance], ["25", "100"]);
    });

    test("a grant already spent cannot be taken back: 402 naming the unit", async () => {
      const { accountId } = await ledger.ensureAccount({ type: "user", externalId: "dee" });
      const signup = (await ledger.history({ accountId }))?.lines[0]?.transactionId ?? "";
      assert.equal((await post("/v1/charges", { account: "user:dee", amount: "60" })).status, 200);
      const refused = await reverse(signup, { reason: "should not have had it" });
      assert.equal(refused.status, 402);
      const { error } = (await refused.json()) as ErrorJson;
      assert.equal(error.details.reason, "insufficient_credits");
      assert.equal(error.details.unit, "credits");
    });

    test("an unknown transaction is a 404; bad input a 400 naming the field", async () => {
      for (const response of [await refund("txn_nope"), await reverse("txn_nope", { reason: "gone" })]) {
        assert.equal(response.status, 404);
        assert.equal(await reasonOf(response), "transaction_not_found");
      }
      const charged = await transactionOf(await post("/v1/charges", { account: "user:eve", amount: "5" }));
      for (const [path, body, field] of [
        ["reverse", {}, "reason"],
        ["reverse", { reason: " " }, "reason"],
        ["refund", { amount: "0" }, "amount"],
        ["refund", { amount: "-1" }, "amount"],
        ["refund", { reason: "" }, "reason"],
      ] as const) {
        const response = await post(`/v1/transactions/${charged}/${path}`, body);
        assert.equal(response.status, 400, `${path} ${JSON.stringify(body)}`);
        assert.deepEqual(
          ((await response.json()) as ErrorJson).error.details.fields?.map((named) => named.field),
          [field],
          `${path} ${JSON.stringify(body)}`,
        );
      }
      assert.equal((await refund(charged, { amount: "1", unit: "usd" })).status, 400, "an unknown field");
      const balances = (await (
        await app.request("/v1/accounts/user:eve/balances", { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { data: Array<{ balance: string }> };
      assert.equal(balances.data[0]?.balance, "95", "nothing was refunded");
    });
  });
}
