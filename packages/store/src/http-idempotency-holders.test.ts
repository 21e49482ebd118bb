import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import {
  type HttpIdempotencyReservation,
  HttpIdempotencyStore,
  type HttpRequestFingerprint,
} from "./http-idempotency.ts";
import { ServerInstances } from "./server-instances.ts";

const LOCK_MS = 60_000;
const STALE_MS = 5000;
const RETENTION_MS = 86_400_000;
const T0 = Date.parse("2030-01-01T00:00:00Z");

const request: HttpRequestFingerprint = {
  method: "POST",
  target: "/v1/charges",
  bodySha256: createHash("sha256").update('{"amount":"5"}').digest("hex"),
};

for (const database of await testDatabases()) {
  describe(`Idempotency-Key holders that die, on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let store: HttpIdempotencyStore;
    let instances: ServerInstances;
    before(async () => {
      ledger = await openTestLedger(database);
      store = new HttpIdempotencyStore(ledger.sql);
      instances = new ServerInstances(ledger.sql);
    });
    after(() => ledger.dispose());

    const reserve = (key: string, instanceId: string, nowMs: number): Promise<HttpIdempotencyReservation> =>
      store.reserve({
        scope: "scope_a",
        key,
        request,
        now: new Date(nowMs),
        lockedUntil: new Date(nowMs + LOCK_MS),
        expiresAt: new Date(nowMs + RETENTION_MS),
        instanceId,
        staleAfterMs: STALE_MS,
      });
    const tokenOf = (reservation: HttpIdempotencyReservation): string => {
      assert.equal(reservation.outcome, "reserved");
      return reservation.outcome === "reserved" ? reservation.lockToken : "";
    };

    test("a key held by an instance whose heartbeat stopped is taken over once it is stale, not before", async () => {
      const dead = await instances.register(new Date(T0));
      const other = await instances.register(new Date(T0));
      const token = tokenOf(await reserve("k-stale", dead, T0));
      await instances.heartbeat(dead, new Date(T0 + 1000)); // its last beat
      await instances.heartbeat(other, new Date(T0 + STALE_MS + 999));
      assert.deepEqual(await reserve("k-stale", other, T0 + 1000 + STALE_MS - 1), {
        outcome: "in_progress",
        lockedUntil: new Date(T0 + LOCK_MS),
        holder: { heartbeatAt: new Date(T0 + 1000), staleAt: new Date(T0 + 1000 + STALE_MS) },
      });
      const taken = await reserve("k-stale", other, T0 + 1000 + STALE_MS);
      assert.equal(taken.outcome, "reserved");
      assert.equal(taken.outcome === "reserved" && taken.takenOver, true);
      // The old holder, should it wake up, can no longer answer for the key.
      const late = { scope: "scope_a", key: "k-stale", lockToken: token };
      assert.equal(await store.release(late), false);
      // The new holder is alive: its key is in progress for everyone else.
      assert.equal((await reserve("k-stale", dead, T0 + 1000 + STALE_MS)).outcome, "in_progress");
    });

    test("a live instance's key is never taken over before its lock ends, however many retries", async () => {
      const live = await instances.register(new Date(T0));
      const other = await instances.register(new Date(T0));
      tokenOf(await reserve("k-live", live, T0));
      for (let second = 1; second < LOCK_MS / 1000; second++) {
        await instances.heartbeat(live, new Date(T0 + second * 1000));
        const retry = await reserve("k-live", other, T0 + second * 1000 + 999);
        assert.equal(retry.outcome, "in_progress", `at ${second} s`);
      }
      // The lock bounds a holder alive but stuck.
      await instances.heartbeat(live, new Date(T0 + LOCK_MS));
      const taken = await reserve("k-live", other, T0 + LOCK_MS);
      assert.equal(taken.outcome === "reserved" && taken.takenOver, true);
    });

    test("a key held by an instance with no row (it shut down) is taken over at once", async () => {
      const gone = await instances.register(new Date(T0));
      const other = await instances.register(new Date(T0));
      tokenOf(await reserve("k-gone", gone, T0));
      assert.equal((await reserve("k-gone", other, T0 + 1)).outcome, "in_progress");
      await instances.remove(gone);
      const taken = await reserve("k-gone", other, T0 + 2);
      assert.equal(taken.outcome === "reserved" && taken.takenOver, true);
    });

    test("of concurrent takeovers of a dead instance's key, exactly one wins", async () => {
      const dead = await instances.register(new Date(T0));
      const contenders = await Promise.all([1, 2, 3, 4].map(() => instances.register(new Date(T0 + STALE_MS))));
      for (let round = 0; round < 5; round++) {
        const key = `k-race-${round}`;
        tokenOf(await reserve(key, dead, T0));
        const outcomes = await Promise.all(contenders.map((id) => reserve(key, id, T0 + STALE_MS + 1)));
        const winners = outcomes.filter((outcome) => outcome.outcome === "reserved");
        assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify(outcomes.map((o) => o.outcome))}`);
        assert.equal(winners[0]?.outcome === "reserved" && winners[0].takenOver, true);
        assert.ok(outcomes.every((outcome) => outcome.outcome === "reserved" || outcome.outcome === "in_progress"));
      }
    });

    test("a reservation without an instance is freed by its lock only", async () => {
      const token = await store.reserve({
        scope: "scope_a",
        key: "k-anonymous",
        request,
        now: new Date(T0),
        lockedUntil: new Date(T0 + LOCK_MS),
        expiresAt: new Date(T0 + RETENTION_MS),
      });
      tokenOf(token);
      const other = await instances.register(new Date(T0 + LOCK_MS - 1));
      assert.deepEqual(await reserve("k-anonymous", other, T0 + LOCK_MS - 1), {
        outcome: "in_progress",
        lockedUntil: new Date(T0 + LOCK_MS),
        holder: null,
      });
      assert.equal((await reserve("k-anonymous", other, T0 + LOCK_MS)).outcome, "reserved");
    });

    test("removeOthers leaves only this instance; purgeDead deletes only the long silent", async () => {
      await ledger.sql.query("delete from server_instances"); // the other tests' instances
      const ids = await Promise.all([0, 1, 2].map((n) => instances.register(new Date(T0 + n * 1000))));
      const [old, recent, self] = ids as [string, string, string];
      const alive = async () =>
        new Set(
          (await ledger.sql.query<{ id: string }>("select id from server_instances where id = any($1)", [ids])).map(
            (row) => row.id,
          ),
        );
      assert.equal(await instances.purgeDead(new Date(T0 + 1000)), 1);
      assert.deepEqual(await alive(), new Set([recent, self]));
      await instances.heartbeat(recent, new Date(T0 + 10_000));
      await instances.heartbeat(recent, new Date(T0 + 5000)); // a late beat never moves it back
      assert.equal(await instances.purgeDead(new Date(T0 + 9000)), 1);
      assert.deepEqual(await alive(), new Set([recent]));
      // A purged instance that beats again is back.
      await instances.heartbeat(old, new Date(T0 + 20_000));
      assert.deepEqual(await alive(), new Set([recent, old]));
      const sole = await instances.register(new Date(T0 + 30_000));
      assert.equal(await instances.removeOthers(sole), 2);
      assert.deepEqual(await alive(), new Set());
    });
  });
}
