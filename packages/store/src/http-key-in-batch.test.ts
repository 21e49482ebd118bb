// HTTP keys claimed and answered in the ledger's batch, on both databases: items of one
// submission with one key (the first runs, the same request replays, another conflicts), an
// answer left to the caller frees the key for HttpIdempotencyStore.record.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { OperationResult } from "@tollgate/core";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { HttpIdempotencyStore, type StoredHttpResponse } from "./http-idempotency.ts";
import type { HttpKeyInBatch } from "./http-key-in-batch.ts";
import type { Ledger } from "./ledger.ts";

const NOW = new Date("2030-01-01T00:00:00Z");
const EXPIRES = new Date("2030-01-02T00:00:00Z");

const answerOf = (result: OperationResult): StoredHttpResponse => ({
  status: result.ok ? 200 : 402,
  headers: { "content-type": "application/json" },
  body: new TextEncoder().encode(JSON.stringify({ ok: result.ok })),
});

function httpKey(key: string, body: string, answer = answerOf): HttpKeyInBatch {
  const bodySha256 = createHash("sha256").update(body).digest("hex");
  return {
    scope: "key_1",
    key,
    request: { method: "POST", target: "/v1/charges", bodySha256 },
    now: NOW,
    expiresAt: EXPIRES,
    answer: (result) => answer(result),
  };
}

for (const database of await testDatabases()) {
  describe(`HTTP keys in the ledger's batch on ${database.name}`, () => {
    let ledger: Ledger & { dispose(): Promise<void> };
    before(async () => {
      ledger = await openTestLedger(database);
      await ledger.grant({
        account: { type: "user", externalId: "kim" },
        amountMinor: 100n,
        source: "promo",
        idempotencyKey: "g",
      });
    });
    after(() => ledger.dispose());
    const charge = (idempotencyKey: string, amountMinor: bigint, key: HttpKeyInBatch) => ({
      op: {
        kind: "charge" as const,
        account: { type: "user" as const, externalId: "kim" },
        unit: "credits",
        amountMinor,
        idempotencyKey,
      },
      options: { httpKey: key },
    });

    test("one key three times in one submission: runs once, replays, conflicts", async () => {
      const [first, same, other] = [httpKey("k1", "a"), httpKey("k1", "a"), httpKey("k1", "b")];
      await ledger.executeMany([charge("c1", 10n, first), charge("c1", 10n, same), charge("c2", 20n, other)]);
      assert.equal(first.outcome?.outcome, "stored");
      assert.equal(same.outcome?.outcome, "replay");
      assert.equal(other.outcome?.outcome, "conflict");
      const balances = await ledger.getBalances({ type: "user", externalId: "kim" }, { fresh: true });
      assert.equal(balances?.[0]?.availableMinor, 90n, "charged once");
      const again = httpKey("k1", "a");
      await ledger.executeMany([charge("c1", 10n, again)]);
      assert.equal(again.outcome?.outcome, "replay");
    });

    test("an answer left to the caller stores nothing, and the key stays free for record", async () => {
      const later = httpKey("k2", "c", () => null as unknown as StoredHttpResponse);
      await ledger.executeMany([charge("c3", 1n, later)]);
      assert.equal(later.outcome?.outcome, "unstored");
      const store = new HttpIdempotencyStore(ledger.sql);
      const recorded = await store.record({
        scope: "key_1",
        key: "k2",
        request: later.request,
        response: answerOf({ ok: true, value: {}, replayed: false } as never),
        now: NOW,
        expiresAt: EXPIRES,
      });
      assert.equal(recorded.outcome, "stored");
    });
  });
}
