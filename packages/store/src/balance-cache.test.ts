import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { BalanceCache, type BalanceCacheOptions } from "./balance-cache.ts";
import { Ledger } from "./ledger.ts";
import { BALANCES_CHANNEL } from "./persist-writes.ts";
import type { AccountBalanceState } from "./reads.ts";
import { notify } from "./sql-client.ts";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const EMPTY: AccountBalanceState = { balances: [], lots: [], holds: [] };

/**
 * Polls until `read` returns `expected` or the deadline passes; returns the last value. The
 * deadline is for a hang, not a speed: a notification on a busy machine may take seconds.
 */
async function eventually<T>(read: () => Promise<T>, expected: T, deadlineMs = 30_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  let value = await read();
  while (value !== expected && Date.now() < until) {
    await sleep(10);
    value = await read();
  }
  return value;
}

for (const database of await testDatabases()) {
  describe(`balance cache on ${database.name}`, () => {
    let nowMs = T0;
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    before(async () => {
      ledger = await openTestLedger(database, { balanceCache: true, clock: () => new Date(nowMs) });
    });
    after(() => ledger.dispose());

    const user = (externalId: string) => ({ type: "user" as const, externalId });
    const available = async (externalId: string) =>
      (await ledger.getBalances(user(externalId)))?.[0]?.availableMinor ?? null;
    /**
     * Reads until one is served from memory, so the cache's LISTEN is in place and the entry
     * is filled: a read that reaches no query of the ledger's database client.
     */
    const warm = async (externalId: string) => {
      const { sql } = ledger;
      const query = sql.query;
      let queries = 0;
      sql.query = ((...args: Parameters<typeof query>) => {
        queries++;
        return query.apply(sql, args);
      }) as typeof query;
      try {
        for (let reads = 0; ; reads++) {
          const before = queries;
          assert.notEqual(await ledger.getBalances(user(externalId)), null);
          if (queries === before) return;
          assert.ok(reads < 3000, "reads never came from memory");
          await sleep(10);
        }
      } finally {
        sql.query = query;
      }
    };

    test("a read after a write through the same ledger sees the write, every time", async () => {
      await ledger.grant({ account: user("a"), amountMinor: 1_000n, source: "promo", idempotencyKey: "g-a" });
      await warm("a");
      for (let index = 1; index <= 20; index++) {
        await ledger.charge({ account: user("a"), amountMinor: 7n, idempotencyKey: `c-a-${index}` });
        assert.equal(await available("a"), 1_000n - 7n * BigInt(index));
      }
      const hold = await ledger.authorize({ account: user("a"), amountMinor: 100n, idempotencyKey: "h-a" });
      assert.ok(hold.ok);
      assert.equal(await available("a"), 1_000n - 140n - 100n);
      await ledger.release({ holdId: hold.value.holdId, idempotencyKey: "h-a-release" });
      assert.equal(await available("a"), 1_000n - 140n);
    });

    test("expiry needs no write: a cached lot stops counting when the clock passes its expiry", async () => {
      const expiresAt = new Date(nowMs + 60_000);
      await ledger.grant({ account: user("e"), amountMinor: 50n, source: "promo", expiresAt, idempotencyKey: "g-e" });
      await warm("e");
      assert.equal(await available("e"), 50n);
      nowMs += 60_000;
      assert.equal(await available("e"), 0n);
      nowMs = T0;
    });

    test("a change committed elsewhere evicts the entry by its notification", async () => {
      await ledger.grant({ account: user("n"), amountMinor: 10n, source: "promo", idempotencyKey: "g-n" });
      await warm("n");
      assert.equal(await available("n"), 10n);
      // Another writer, as another instance's batch would: the row changes, then the notification.
      const accountId = (await ledger.accounts.findId(user("n"))) as string;
      await ledger.sql.query("update balances set balance_minor = 3 where account_id = $1", [accountId]);
      await ledger.sql.query("update lots set remaining_minor = 3 where account_id = $1", [accountId]);
      assert.equal(await available("n"), 10n, "no notification yet: the entry is still served");
      const fresh = await ledger.getBalances(user("n"), { fresh: true });
      assert.equal(fresh?.[0]?.availableMinor, 3n, "a fresh read goes to the database");
      await notify(ledger.sql, BALANCES_CHANNEL, accountId);
      assert.equal(await eventually(() => available("n"), 3n), 3n);
    });

    if (database.databaseUrl) {
      test("a charge through another ledger (another instance) reaches this one's reads", async () => {
        await ledger.grant({ account: user("x"), amountMinor: 500n, source: "promo", idempotencyKey: "g-x" });
        await warm("x");
        const other = await Ledger.open({ databaseUrl: database.databaseUrl, schema: ledger.schema, migrate: false });
        try {
          for (let index = 1; index <= 5; index++) {
            await other.charge({ account: user("x"), amountMinor: 10n, idempotencyKey: `c-x-${index}` });
            const expected = 500n - 10n * BigInt(index);
            assert.equal(await eventually(() => available("x"), expected), expected);
          }
        } finally {
          await other.close();
        }
      });
    }
  });
}

describe("balance cache entries", () => {
  /** A cache whose LISTEN never reports anything, on a clock the test moves. */
  function cacheOn(options: BalanceCacheOptions = {}, random = () => 0) {
    let nowMs = 0;
    const sql = { listen: async () => async () => {} } as unknown as ConstructorParameters<typeof BalanceCache>[0];
    const cache = new BalanceCache(sql, options, () => nowMs, random);
    let loads = 0;
    const load = async () => {
      loads++;
      return EMPTY;
    };
    return {
      cache,
      load,
      loads: () => loads,
      advanceMs: (ms: number) => {
        nowMs += ms;
      },
    };
  }
  const live = async (cache: BalanceCache) => {
    await cache.read("warm-up", async () => null);
    await sleep(0);
  };

  test("a hit costs no load; an eviction, the maximum age and the size limit each cost one", async () => {
    const { cache, load, loads, advanceMs } = cacheOn({ entriesMax: 2, maxAgeMs: 1_000 });
    await live(cache);
    await cache.read("a", load);
    await cache.read("a", load);
    assert.equal(loads(), 1);
    cache.evict(["a"]);
    await cache.read("a", load);
    assert.equal(loads(), 2);
    advanceMs(1_000);
    await cache.read("a", load);
    assert.equal(loads(), 3);
    await cache.read("b", load);
    await cache.read("c", load); // over two entries: "a", the oldest filled, goes
    assert.equal(cache.size, 2);
    await cache.read("a", load);
    assert.equal(loads(), 6);
    await cache.close();
  });

  test("a load that an eviction overtakes is returned but not kept; null is never kept", async () => {
    const { cache, load, loads } = cacheOn();
    await live(cache);
    let finish: (state: AccountBalanceState) => void = () => {};
    const slow = cache.read("a", () => new Promise((resolve) => (finish = resolve)));
    cache.evict(["a"]);
    const stale = { ...EMPTY, balances: [] };
    finish(stale);
    assert.equal(await slow, stale);
    await cache.read("a", load);
    assert.equal(loads(), 1, "the overtaken load was not kept");
    assert.equal(await cache.read("missing", async () => null), null);
    assert.equal(cache.size, 1);
    await cache.close();
  });

  test("reads that miss while a load is in flight share it; after an eviction they load again", async () => {
    const { cache } = cacheOn();
    await live(cache);
    let loads = 0;
    const finishes: Array<(state: AccountBalanceState) => void> = [];
    const slowLoad = () => {
      loads++;
      return new Promise<AccountBalanceState>((resolve) => finishes.push(resolve));
    };
    const first = cache.read("a", slowLoad);
    const second = cache.read("a", slowLoad);
    assert.equal(loads, 1);
    cache.evict(["a"]);
    const third = cache.read("a", slowLoad); // after the eviction: the first load may be stale
    assert.equal(loads, 2);
    const old = { ...EMPTY, balances: [] };
    const fresh = { ...EMPTY, balances: [] };
    finishes[0]?.(old);
    finishes[1]?.(fresh);
    assert.equal(await first, old);
    assert.equal(await second, old);
    assert.equal(await third, fresh);
    assert.equal(await cache.read("a", slowLoad), fresh, "the second load was kept");
    assert.equal(loads, 2);
    await cache.close();
  });

  test("a read near the maximum age is answered from memory and reloads the entry once, in the background", async () => {
    // Each entry's refresh point is drawn between 600 and 1,000 ms: 0.5 puts it at 800.
    const { cache, advanceMs } = cacheOn({ maxAgeMs: 1_000, refreshAfterMs: 600 }, () => 0.5);
    await live(cache);
    const pending: Array<(state: AccountBalanceState) => void> = [];
    const load = () => new Promise<AccountBalanceState>((resolve) => pending.push(resolve));
    const state = (): AccountBalanceState => ({ ...EMPTY, balances: [] });
    const [a, b, c, d] = [state(), state(), state(), state()];
    const first = cache.read("x", load);
    pending[0]?.(a);
    assert.equal(await first, a);
    advanceMs(800);
    assert.equal(await cache.read("x", load), a, "answered from memory");
    assert.equal(await cache.read("x", load), a);
    assert.equal(pending.length, 2, "one reload at a time");
    pending[1]?.(b);
    await sleep(0);
    advanceMs(799);
    assert.equal(await cache.read("x", load), b, "the reload renewed the entry");
    assert.equal(pending.length, 2);
    advanceMs(1);
    assert.equal(await cache.read("x", load), b);
    cache.evict(["x"]);
    pending[2]?.(c);
    await sleep(0);
    const after = cache.read("x", load);
    assert.equal(pending.length, 4, "the reload an eviction overtook was not kept: a miss");
    pending[3]?.(d);
    assert.equal(await after, d);
    await cache.close();
  });

  test("until the LISTEN is in place every read loads; bad options are refused", async () => {
    const { cache, load, loads } = cacheOn();
    await Promise.all([cache.read("a", load), cache.read("a", load)]);
    assert.equal(loads(), 2);
    await cache.close();
    assert.throws(() => cacheOn({ entriesMax: 0 }), RangeError);
    assert.throws(() => cacheOn({ maxAgeMs: 1.5 }), RangeError);
    assert.throws(() => cacheOn({ refreshAfterMs: 0 }), RangeError);
  });
});
