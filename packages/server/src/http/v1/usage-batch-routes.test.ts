// POST /v1/usage-events/batch on both databases: each event charged on its own and answered in
// order, a malformed batch refused whole, ids that replay across batches.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig, parseDecimalToMinor } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";
import { USAGE_BATCH_SIZE_MAX } from "./usage-batch-routes.ts";

interface Item {
  id: string;
  ok: boolean;
  usageEventId?: string;
  amount?: string;
  balance?: string;
  error?: { code: string; details: { reason?: string } };
}

const event = (id: string, account: string, model = "gpt-4o-mini") => ({
  id,
  account,
  provider: "openai",
  model,
  usage: { inputTokens: 20_000, outputTokens: 2_000 },
});

for (const database of await testDatabases()) {
  describe(`POST /v1/usage-events/batch on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let app: ReturnType<typeof createApp>;
    let token = "";
    let sequence = 0;

    before(async () => {
      ledger = await openTestLedger(database, {
        config: defineLedgerConfig({
          signupGrants: {
            user: [{ unit: "credits", amountMinor: 1_000_000n, expiresInMs: null }],
            organization: [],
            guest: [],
          },
        }),
      });
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      token = (await keys.create({ kind: "secret", name: "backend" })).token;
      app = createApp({ ledger, meter, keys });
      await ledger.ensureAccount({ type: "user", externalId: "alice" });
      await ledger.ensureAccount({ type: "guest", externalId: "broke" });
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    const send = (body: unknown, idempotencyKey = `batch-${++sequence}`) =>
      app.request("/v1/usage-events/batch", {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "idempotency-key": idempotencyKey,
        },
        body: JSON.stringify(body),
      });
    const balanceOf = async (account: string) =>
      (
        (await (
          await app.request(`/v1/accounts/${account}/balances`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as { data: Array<{ balance: string }> }
      ).data[0]?.balance ?? "0";

    test("every event is answered in order: recorded, short of credits, or without a price", async () => {
      const response = await send({
        events: [event("e-1", "user:alice"), event("e-2", "guest:broke"), event("e-3", "user:alice", "no-such-model")],
      });
      assert.equal(response.status, 200);
      const { data } = (await response.json()) as { data: Item[] };
      assert.deepEqual(
        data.map((item) => [item.id, item.ok, item.error?.code ?? null]),
        [
          ["e-1", true, null],
          ["e-2", false, "insufficient_credits"],
          ["e-3", false, "unknown_model_price"],
        ],
      );
      assert.match(data[0]?.usageEventId ?? "", /^use_/);
    });

    test("a replayed request answers byte for byte; an id sent again in a new batch charges nothing more", async () => {
      const body = { events: [event("r-1", "user:alice"), event("r-2", "user:alice")] };
      const first = await (await send(body, "replayed-batch")).text();
      const replay = await send(body, "replayed-batch");
      assert.equal(replay.headers.get("idempotent-replayed"), "true");
      assert.equal(await replay.text(), first);
      const balance = await balanceOf("user:alice");
      const again = (await (await send({ events: [event("r-2", "user:alice")] })).json()) as { data: Item[] };
      assert.equal(again.data[0]?.usageEventId, (JSON.parse(first) as { data: Item[] }).data[1]?.usageEventId);
      assert.equal(await balanceOf("user:alice"), balance);
    });

    test(`${USAGE_BATCH_SIZE_MAX} events on one account are charged exactly, each on its own`, async () => {
      const before = parseDecimalToMinor(await balanceOf("user:alice"), 0);
      const events = Array.from({ length: USAGE_BATCH_SIZE_MAX }, (_, index) => event(`bulk-${index}`, "user:alice"));
      const response = await send({ events });
      assert.equal(response.status, 200);
      const { data } = (await response.json()) as { data: Item[] };
      assert.ok(data.every((item) => item.ok));
      assert.equal(new Set(data.map((item) => item.usageEventId)).size, USAGE_BATCH_SIZE_MAX);
      const charged = data.reduce((sum, item) => sum + parseDecimalToMinor(item.amount ?? "", 0), 0n);
      assert.ok(charged > 0n);
      assert.equal(parseDecimalToMinor(await balanceOf("user:alice"), 0), before - charged);
      const report = await ledger.reconcile();
      assert.ok(report.ok, JSON.stringify(report.checks));
    });

    test("a malformed batch is 400 naming the event, and records nothing", async () => {
      const balance = await balanceOf("user:alice");
      const tooMany = Array.from({ length: USAGE_BATCH_SIZE_MAX + 1 }, (_, index) => event(`x-${index}`, "user:alice"));
      const cases: unknown[] = [
        { events: [] },
        { events: tooMany },
        { events: [event("d-1", "user:alice"), event("d-1", "user:alice")] },
        { events: [event("ok-1", "user:alice"), event("bad-account", "nobody")] },
        { events: [event("ok-2", "user:alice"), { ...event("bad-usage", "user:alice"), usage: { inputTokens: -1 } }] },
        {
          events: [
            event("ok-3", "user:alice"),
            { ...event("bad-cache", "user:alice"), usage: { inputTokens: 1, cacheReadTokens: 5 } },
          ],
        },
        { events: [event("tollgate:reserved", "user:alice")] },
        { events: [{ ...event("bad-metadata", "user:alice"), latencyMs: 1e12 }] },
      ];
      for (const body of cases) {
        const response = await send(body);
        assert.equal(response.status, 400, JSON.stringify(body).slice(0, 200));
        const error = ((await response.json()) as { error: { code: string; details: { fields?: unknown[] } } }).error;
        assert.equal(error.code, "invalid_request");
        assert.ok(error.details.fields?.length, "names the field");
      }
      assert.equal(await balanceOf("user:alice"), balance);
    });
  });
}
