// Metering across instances on PostgreSQL: two Meters on one schema stand for two server
// processes. Usage events are charged exactly once, every charge has its event, and a price
// set on one instance prices the next call on the other.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { definePricingConfig, Meter } from "@tollgate/metering";
import { Ledger } from "@tollgate/store";
import { testPostgres, uniqueSchema } from "@tollgate/store/testing";
import { expectLedgerInvariants } from "./ledger-invariants.ts";

const postgres = await testPostgres();
const config = defineLedgerConfig({
  signupGrants: {
    user: [{ unit: "credits", amountMinor: 1_000_000n, expiresInMs: null }],
    organization: [],
    guest: [],
  },
});
const pricing = definePricingConfig({ creditsPerUsd: "100000" });

describe("metering across two instances on PostgreSQL", { skip: postgres ? false : "PostgreSQL not reachable" }, () => {
  const schema = uniqueSchema("meter");
  let meters: Meter[] = [];
  before(async () => {
    for (let index = 0; index < 2; index++) {
      const ledger = await Ledger.open({ databaseUrl: postgres?.databaseUrl, schema, config, lanes: 2, poolSize: 5 });
      meters.push(await Meter.open({ ledger, pricing }));
    }
  });
  after(async () => {
    const [first] = meters;
    await first?.ledger.sql.query(`drop schema "${schema}" cascade`);
    for (const meter of meters) {
      await meter.close();
      await meter.ledger.close();
    }
    meters = [];
  });
  const meter = (index: number) => meters[index % meters.length] as Meter;
  const call = (index: number, key: string) =>
    meter(index).recordUsage({
      account: { type: "user", externalId: `user-${index % 10}` },
      idempotencyKey: key,
      provider: "openai",
      model: "gpt-4o-mini",
      usage: { inputTokens: 1000 + index, outputTokens: 200 },
      conversationId: `chat-${index % 3}`,
    });

  test("the same usage key sent 20 times at once, to both instances: one event, one charge", async () => {
    const account = { type: "user" as const, externalId: "same-key" };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        meter(index).recordUsage({
          account,
          idempotencyKey: "resp-1",
          provider: "openai",
          model: "gpt-4o",
          usage: { inputTokens: 1000, outputTokens: 500 },
        }),
      ),
    );
    assert.ok(results.every((result) => result.ok));
    const ids = new Set(results.map((result) => (result.ok ? result.value.usageEventId : "")));
    assert.equal(ids.size, 1);
    assert.equal(results.filter((result) => result.ok && !result.replayed).length, 1);
    const [row] = await meter(0).ledger.sql.query<{ events: bigint; charged: bigint }>(
      "select count(*) as events, sum(charged_minor)::bigint as charged from usage_events where idempotency_key = 'resp-1'",
    );
    assert.deepEqual(row, { events: 1n, charged: 750n });
  });

  test("400 calls over 10 accounts from both instances: every charge has its event, and reconcile is clean", async () => {
    const results = await Promise.all(Array.from({ length: 400 }, (_, index) => call(index, `call-${index}`)));
    assert.ok(results.every((result) => result.ok));
    const charged = results.reduce((sum, result) => sum + (result.ok ? result.value.amountMinor : 0n), 0n);
    const [row] = await meter(0).ledger.sql.query<{ charged: bigint; consumed: bigint }>(
      `select (select sum(charged_minor)::bigint from usage_events where idempotency_key like 'call-%') as charged,
         (select sum(t.amount_minor)::bigint from transactions t join usage_events u using (transaction_id)
          where u.idempotency_key like 'call-%') as consumed`,
    );
    assert.deepEqual(row, { charged, consumed: charged });
    await expectLedgerInvariants(meter(0).ledger.sql);
  });

  test("a price set on one instance prices the next call on the other", async () => {
    await meter(1).recordUsage({
      account: { type: "user", externalId: "price-watch" },
      idempotencyKey: "warm-cache",
      provider: "openai",
      model: "gpt-4o-mini",
      usage: { inputTokens: 1000 },
    });
    await meter(0).prices.setPrice({ provider: "openai", model: "gpt-4o-mini", price: { input_mtok: "1" } });
    // The notification travels at commit and arrives when it arrives: wait until the other
    // instance prices the model with the override, not for a time.
    const priced = { provider: "openai", model: "gpt-4o-mini" };
    for (
      let reads = 0;
      (await meter(1).prices.priceOf({ ...priced, at: new Date() }))?.source !== "override";
      reads++
    ) {
      assert.ok(reads < 3000, "the other instance never heard of the new price");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const result = await meter(1).recordUsage({
      account: { type: "user", externalId: "price-watch" },
      idempotencyKey: "after-change",
      provider: "openai",
      model: "gpt-4o-mini",
      usage: { inputTokens: 1000 },
    });
    assert.ok(result.ok);
    // 1,000 × $1/M = $0.001 × 100,000 = 100 credits (the catalog's $0.15/M would be 15).
    assert.equal(result.value.amountMinor, 100n);
  });
});
