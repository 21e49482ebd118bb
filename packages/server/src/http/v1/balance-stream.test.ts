// Live balances: a change made through any instance reaches every subscriber's stream, in
// order (within 250 ms by design; the test waits for it, since a busy machine may take longer).
// On PostgreSQL the change is made by a second, separate ledger (another server process).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { ApiKeys, BalanceEvents, Ledger } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";

/** How long a read waits for an event: a bound for a hang, not a delivery time. */
const EVENT_WAIT_MS = 30_000;
const config = defineLedgerConfig({
  signupGrants: { user: [{ unit: "credits", amountMinor: 100n, expiresInMs: null }], organization: [], guest: [] },
});

/** Reads `event: balance` messages off an SSE response as they arrive. */
function sseReader(response: Response) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async next(timeoutMs: number): Promise<Array<{ unit: string; balance: string }>> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split("\n").find((line) => line.startsWith("data: "));
          if (message.includes("event: balance") && data) return JSON.parse(data.slice(6));
          continue;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no balance event within ${timeoutMs} ms`);
        let timer: NodeJS.Timeout | undefined;
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no balance event within ${timeoutMs} ms`)), left);
          }),
        ]).finally(() => clearTimeout(timer));
        if (chunk.done) throw new Error("the stream ended");
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

for (const database of await testDatabases()) {
  describe(`live balances over SSE on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let writer: Ledger;
    let meter: Meter;
    let keys: ApiKeys;
    let balanceEvents: BalanceEvents;
    let app: ReturnType<typeof createApp>;
    let secret: string;
    let aliceToken: string;

    before(async () => {
      ledger = await openTestLedger(database, { config });
      // Another instance on the same schema (PostgreSQL); PGlite has one process, so the same ledger.
      writer = database.databaseUrl
        ? await Ledger.open({ databaseUrl: database.databaseUrl, schema: ledger.schema, config, migrate: false })
        : ledger;
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      balanceEvents = new BalanceEvents(ledger.sql);
      const alice = await ledger.ensureAccount({ type: "user", externalId: "alice" });
      await ledger.ensureAccount({ type: "user", externalId: "bob" });
      secret = (await keys.create({ kind: "secret" })).token;
      aliceToken = (await keys.create({ kind: "customer", accountId: alice.accountId })).token;
      app = createApp({ ledger, meter, keys, balanceEvents });
    });
    after(async () => {
      await balanceEvents.close();
      await keys.close();
      await meter.close();
      if (writer !== ledger) await writer.close();
      await ledger.dispose();
    });

    test("the balance now, then every change made through another instance", async () => {
      const response = await app.request("/v1/accounts/user:alice/events", {
        headers: { authorization: `Bearer ${aliceToken}` },
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
      const stream = sseReader(response);
      try {
        assert.deepEqual(
          (await stream.next(EVENT_WAIT_MS)).map((balance) => [balance.unit, balance.balance]),
          [["credits", "100"]],
        );
        const charge = async (externalId: string, amountMinor: bigint, idempotencyKey: string) => {
          const charged = await writer.charge({ account: { type: "user", externalId }, amountMinor, idempotencyKey });
          assert.ok(charged.ok);
        };
        for (const [index, expected] of ["99", "97"].entries()) {
          await charge("alice", BigInt(index + 1), `live-${index}`);
          const event = await stream.next(EVENT_WAIT_MS);
          assert.equal(event[0]?.balance, expected);
        }
        // Bob's changes are not alice's events: the next one is alice's own, made after bob's.
        await charge("bob", 1n, "bob-1");
        await charge("alice", 1n, "live-after-bob");
        assert.equal((await stream.next(EVENT_WAIT_MS))[0]?.balance, "96");
      } finally {
        await stream.cancel();
      }
    });

    test("a customer token streams only its own account; no key is 401", async () => {
      const other = await app.request("/v1/accounts/user:bob/events", {
        headers: { authorization: `Bearer ${aliceToken}` },
      });
      assert.equal(other.status, 404);
      const none = await app.request("/v1/accounts/user:alice/events");
      assert.equal(none.status, 401);
      const secretStream = await app.request("/v1/accounts/user:bob/events", {
        headers: { authorization: `Bearer ${secret}` },
      });
      assert.equal(secretStream.status, 200);
      await secretStream.body?.cancel();
    });

    test("a closed stream stops its subscription", async () => {
      const before = balanceEvents.subscriberCount;
      const response = await app.request("/v1/accounts/user:alice/events", {
        headers: { authorization: `Bearer ${secret}` },
      });
      const stream = sseReader(response);
      await stream.next(EVENT_WAIT_MS);
      assert.equal(balanceEvents.subscriberCount, before + 1);
      await stream.cancel();
      for (let waited = 0; balanceEvents.subscriberCount > before && waited < EVENT_WAIT_MS; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(balanceEvents.subscriberCount, before);
    });
  });
}
