import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { HttpIdempotencyStore } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { startIdempotencyPurger } from "./idempotency-purger.ts";
import { createJsonLogger, SILENT_LOGGER } from "./logger.ts";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const HOUR_MS = 3_600_000;

for (const database of await testDatabases()) {
  describe(`the Idempotency-Key purge job on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let store: HttpIdempotencyStore;
    before(async () => {
      ledger = await openTestLedger(database);
      store = new HttpIdempotencyStore(ledger.sql);
    });
    after(() => ledger.dispose());

    /** A completed key kept until `expiresAtMs`. */
    const storeKey = async (key: string, expiresAtMs: number) => {
      const now = new Date(T0);
      const reservation = await store.reserve({
        scope: "key_purge",
        key,
        request: { method: "POST", target: "/v1/charges", bodySha256: createHash("sha256").update(key).digest("hex") },
        now,
        lockedUntil: new Date(T0 + 1000),
        expiresAt: new Date(T0 + 1000),
      });
      assert.equal(reservation.outcome, "reserved");
      if (reservation.outcome !== "reserved") return;
      await store.complete({
        scope: "key_purge",
        key,
        lockToken: reservation.lockToken,
        response: { status: 200, headers: {}, body: new TextEncoder().encode("{}") },
        now,
        expiresAt: new Date(expiresAtMs),
      });
    };
    const keysLeft = async () =>
      (
        await ledger.sql.query<{ idempotency_key: string }>(
          "select idempotency_key from http_idempotency_keys where scope = 'key_purge' order by idempotency_key",
        )
      ).map((row) => row.idempotency_key);

    test("deletes expired keys in batches until none is left, and only those", async () => {
      for (let i = 0; i < 7; i++) await storeKey(`old-${i}`, T0 + HOUR_MS);
      await storeKey("young", T0 + 3 * HOUR_MS);
      const batches: number[] = [];
      const counting = {
        purgeExpired: async (now: Date, limit: number) => {
          const deleted = await store.purgeExpired(now, limit);
          batches.push(deleted);
          return deleted;
        },
      };
      // Two hours on: the old keys are past retention, the young one is not.
      const purger = startIdempotencyPurger(counting, {
        logger: SILENT_LOGGER,
        intervalMs: 5,
        batchSize: 3,
        clock: () => new Date(T0 + 2 * HOUR_MS),
      });
      while (batches.length < 4) await new Promise((resolve) => setTimeout(resolve, 5));
      await purger.stop();
      // Full batches follow one another at once; a short one ends the round.
      assert.deepEqual(batches.slice(0, 4), [3, 3, 1, 0]);
      assert.deepEqual(await keysLeft(), ["young"]);
    });

    test("a failed purge is logged and the job carries on; stop waits and stops", async () => {
      const lines: string[] = [];
      const logger = createJsonLogger({ write: (line: string) => lines.push(line) });
      let calls = 0;
      const failing = {
        purgeExpired: async () => {
          calls++;
          throw new Error("connection to postgres://app:s3cret@db lost");
        },
      };
      const purger = startIdempotencyPurger(failing, { logger, intervalMs: 5 });
      while (calls < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      await purger.stop();
      const after = calls;
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(calls, after, "no purge after stop");
      assert.equal(JSON.parse(lines[0] ?? "{}").message, "idempotency key purge failed");
      assert.ok(!lines.join("").includes("s3cret"));
      assert.throws(() => startIdempotencyPurger(store, { logger, batchSize: 0 }), RangeError);
    });
  });
}
