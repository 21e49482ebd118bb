// POST /v1/imports on both databases: each row a grant, idempotent per row (a file sent twice,
// or reordered, changes nothing the second time), a dry run that writes nothing, refused rows
// answered while the others apply, and a malformed request refused whole.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";
import { IMPORT_ROWS_MAX } from "../../imports/import-row.ts";
import type { ImportRowResult } from "../../imports/run-import.ts";

interface ImportJson {
  dryRun: boolean;
  summary: { applied: number; alreadyApplied: number; refused: number };
  data: ImportRowResult[];
}
interface ErrorJson {
  error: { code: string; details: { fields?: Array<{ field: string; message: string }> } };
}

const NOW = new Date("2031-03-01T00:00:00.000Z");
const config = defineLedgerConfig({
  units: [
    { unit: "credits", scale: 0 },
    { unit: "usd", scale: 2 },
  ],
  signupGrants: { user: [{ unit: "credits", amountMinor: 5n, expiresInMs: null }], organization: [], guest: [] },
});

for (const database of await testDatabases()) {
  describe(`POST /v1/imports on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let app: ReturnType<typeof createApp>;
    let secret = "";
    let sequence = 0;

    before(async () => {
      ledger = await openTestLedger(database, { config, clock: () => NOW });
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      secret = (await keys.create({ kind: "secret", name: "backend" })).token;
      app = createApp({ ledger, meter, keys });
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    const post = async (body: unknown) => {
      const response = await app.request("/v1/imports", {
        method: "POST",
        headers: {
          authorization: `Bearer ${secret}`,
          "content-type": "application/json",
          "idempotency-key": `import-${++sequence}`,
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as ImportJson & ErrorJson };
    };
    const imported = async (rows: unknown[], dryRun?: boolean) => {
      const { status, json } = await post({ rows, ...(dryRun === undefined ? {} : { dryRun }) });
      assert.equal(status, 200, JSON.stringify(json));
      return json;
    };
    const balanceOf = async (externalId: string, unit = "credits") => {
      const balances = await ledger.getBalances({ type: "user", externalId }, { unit });
      return balances?.[0]?.balanceMinor ?? null;
    };
    const written = async () =>
      (
        await ledger.sql.query<{ accounts: number; transactions: number }>(
          "select (select count(*)::int from accounts) as accounts, (select count(*)::int from transactions) as transactions",
        )
      )[0];

    test("each row is a grant; the same rows again, or reordered, change nothing; identical rows stay two grants", async () => {
      const rows = [
        { account: "user:alice", amount: "40" },
        { account: "user:bob", unit: "usd", amount: "12.50", source: "purchase", reason: "old plan" },
        { account: "user:alice", amount: "40" },
        { account: "user:carol", amount: "7", expiresAt: "2031-12-31T00:00:00+02:00", key: "legacy-17" },
      ];
      const first = await imported(rows);
      assert.deepEqual(first.summary, { applied: 4, alreadyApplied: 0, refused: 0 });
      assert.deepEqual(
        first.data.map((row) => [row.index, row.status, row.unit, row.amount, row.balance]),
        [
          [0, "applied", "credits", "40", "45"], // with alice's signup grant of 5
          [1, "applied", "usd", "12.50", "12.50"],
          [2, "applied", "credits", "40", "85"], // the second identical row is a second grant
          [3, "applied", "credits", "7", "12"],
        ],
      );
      assert.equal(first.data[3]?.key, "legacy-17");
      assert.notEqual(first.data[0]?.key, first.data[2]?.key);
      assert.match(first.data[0]?.transactionId ?? "", /^txn_/);
      const counts = await written();

      const again = await imported([...rows].reverse());
      assert.deepEqual(again.summary, { applied: 0, alreadyApplied: 4, refused: 0 });
      assert.deepEqual(
        again.data.map((row) => row.transactionId).sort(),
        first.data.map((row) => row.transactionId).sort(),
        "each row replays a first grant (two identical rows are interchangeable)",
      );
      assert.equal(again.data[0]?.transactionId, first.data[3]?.transactionId, "carol's row, by its key");
      assert.deepEqual(await written(), counts);
      assert.equal(await balanceOf("alice"), 85n);

      const lots = await ledger.getBalances({ type: "user", externalId: "bob" }, { unit: "usd" });
      assert.equal(lots?.[0]?.lots[0]?.source, "purchase");
      const history = await ledger.history({ type: "user", externalId: "alice" });
      assert.ok(
        history?.lines.some((line) => line.reason === "imported balance"),
        "the default reason is kept",
      );
      const carol = await ledger.getBalances({ type: "user", externalId: "carol" });
      assert.ok(carol?.[0]?.lots.some((lot) => lot.expiresAt?.toISOString() === "2031-12-30T22:00:00.000Z"));
    });

    test("a dry run writes nothing and says what each row would change", async () => {
      const counts = await written();
      const preview = await imported(
        [
          { account: "user:dave", amount: "10" },
          { account: "user:dave", amount: "1" },
          { account: "user:alice", amount: "2" },
          { account: "user:alice", amount: "40" },
          { account: "user:erin", amount: "1", unit: "gold" },
        ],
        true,
      );
      assert.equal(preview.dryRun, true);
      assert.deepEqual(
        preview.data.map((row) => [row.status, row.accountExists, row.balanceBefore, row.balanceAfter]),
        [
          ["would_apply", false, "0", "15"], // dave would be created with his signup grant
          ["would_apply", false, "15", "16"],
          ["would_apply", true, "85", "87"],
          ["already_applied", true, "87", "87"], // the first import's row 0: nothing changes
          ["refused", false, undefined, undefined],
        ],
      );
      assert.deepEqual(preview.summary, { applied: 3, alreadyApplied: 1, refused: 1 });
      assert.equal(preview.data[0]?.accountId, null);
      assert.match(preview.data[2]?.accountId ?? "", /^acct_/);
      assert.deepEqual(await written(), counts, "no account, no grant");
      assert.equal(await ledger.accounts.findId({ type: "user", externalId: "dave" }), null);

      const real = await imported([
        { account: "user:dave", amount: "10" },
        { account: "user:dave", amount: "1" },
      ]);
      assert.deepEqual(
        real.data.map((row) => row.balance),
        ["15", "16"],
        "the import does what its dry run said",
      );
    });

    test("a row the ledger refuses is reported and the others apply; no account is made for it", async () => {
      const result = await imported([
        { account: "user:frank", amount: "3" },
        { account: "user:gina", amount: "1", unit: "gold" },
        { account: "user:gina", amount: "1.234", unit: "usd" },
        { account: "user:gina", amount: "1", expiresAt: "2031-02-01T00:00:00Z" },
        { account: "guest:visitor", amount: "1", source: "purchase" },
        { account: `acct_${"0".repeat(32)}`, amount: "1" },
        { account: "user:carol", amount: "8", key: "legacy-17" },
        { account: "user:frank", amount: "4" },
      ]);
      assert.deepEqual(
        result.data.map((row) => [row.status, row.error?.code]),
        [
          ["applied", undefined],
          ["refused", "unit_not_found"],
          ["refused", "invalid_amount"],
          ["refused", "invalid_expiry"],
          ["refused", "guest_cannot_purchase"],
          ["refused", "account_not_found"],
          ["refused", "idempotency_conflict"], // legacy-17 was imported with 7
          ["applied", undefined],
        ],
      );
      assert.match(result.data[2]?.error?.message ?? "", /decimal places/);
      assert.deepEqual(result.summary, { applied: 2, alreadyApplied: 0, refused: 6 });
      assert.equal(await balanceOf("frank"), 12n);
      assert.equal(await ledger.accounts.findId({ type: "user", externalId: "gina" }), null);
      assert.equal(await ledger.accounts.findId({ type: "guest", externalId: "visitor" }), null);
      assert.equal((await ledger.reconcile()).ok, true);
    });

    test("a malformed request is refused whole, naming each bad row's field, and writes nothing", async () => {
      const counts = await written();
      const bad = await post({
        rows: [
          { account: "user:henry", amount: "5" },
          { account: "henry", amount: "5" },
          { account: "user:henry", amount: "-5" },
          { account: "user:henry", amount: "0" },
          { account: "user:henry", amount: 5 },
          { account: "user:henry", amount: "5", source: "gift" },
          { account: "user:henry", amount: "5", expiresAt: "tomorrow" },
          { account: "user:henry", amount: "5", key: "has space" },
          { account: "user:henry", amount: "5", colour: "red" },
          { account: `user:${"x".repeat(257)}`, amount: "5" },
        ],
      });
      assert.equal(bad.status, 400);
      const fields = bad.json.error.details.fields?.map((field) => field.field) ?? [];
      for (const field of [
        "rows.1.account",
        "rows.2.amount",
        "rows.3.amount",
        "rows.4.amount",
        "rows.5.source",
        "rows.6.expiresAt",
        "rows.7.key",
        "rows.9.account",
      ]) {
        assert.ok(fields.includes(field), `${field} in ${JSON.stringify(fields)}`);
      }
      assert.ok(JSON.stringify(bad.json).includes("colour"), "the unknown field is named");
      const duplicated = await post({
        rows: [
          { account: "user:henry", amount: "5", key: "k1" },
          { account: "user:ivy", amount: "5", key: "k1" },
        ],
      });
      assert.equal(duplicated.status, 400);
      assert.deepEqual(
        duplicated.json.error.details.fields?.map((field) => field.field),
        ["rows.1.key"],
      );
      assert.equal((await post({ rows: [] })).status, 400);
      const tooMany = Array.from({ length: IMPORT_ROWS_MAX + 1 }, (_, index) => ({
        account: `user:u${index}`,
        amount: "1",
      }));
      assert.equal((await post({ rows: tooMany })).status, 400);
      assert.equal((await post({ rows: [{ account: "user:henry", amount: "5" }], dryRun: "yes" })).status, 400);
      assert.equal((await post({ rows: [{ account: "user:henry", amount: "5" }], extra: 1 })).status, 400);
      assert.deepEqual(await written(), counts);
    });

    test(`${IMPORT_ROWS_MAX} rows in one request, many accounts at once`, async () => {
      const rows = Array.from({ length: IMPORT_ROWS_MAX }, (_, index) => ({
        account: `organization:org-${index % 250}`,
        amount: "2",
      }));
      const result = await imported(rows);
      assert.deepEqual(result.summary, { applied: IMPORT_ROWS_MAX, alreadyApplied: 0, refused: 0 });
      // Each organization's four rows apply in order: its balance after each is 2, 4, 6, 8.
      assert.deepEqual(
        result.data.filter((row) => row.accountId === result.data[0]?.accountId).map((row) => row.balance),
        ["2", "4", "6", "8"],
      );
      const again = await imported(rows);
      assert.equal(again.summary.alreadyApplied, IMPORT_ROWS_MAX);
      assert.equal((await ledger.reconcile()).ok, true);
    });
  });
}
