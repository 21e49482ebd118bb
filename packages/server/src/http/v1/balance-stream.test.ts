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
import type { Logger } from "../../logger.ts";
import { DEFAULT_STREAM_LIMITS, LiveStreams, type StreamLimits } from "./live-streams.ts";

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
    /** Reads until the server ends the stream; throws if it is still open after `timeoutMs`. */
    async end(timeoutMs: number): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the stream was still open after ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        for (;;) if ((await Promise.race([reader.read(), late])).done) return;
      } finally {
        clearTimeout(timer);
      }
    },
    cancel: () => reader.cancel(),
  };
}

/** Log lines as objects, to find the one a refusal wrote. */
function recordingLogger() {
  const lines: Array<{ level: string; message: string } & Record<string, unknown>> = [];
  const write =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      void lines.push({ level, message, ...fields });
  const logger: Logger = { info: write("info"), warn: write("warn"), error: write("error") };
  return { logger, lines };
}

/** Polls `condition` until it holds: a bound for a hang, not a time the test expects. */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > EVENT_WAIT_MS) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
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
    let aliceId: string;
    let bobId: string;

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
      aliceId = alice.accountId;
      bobId = (await ledger.ensureAccount({ type: "user", externalId: "bob" })).accountId;
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
    /** An app of its own with these stream limits (the rest as by default), logging into `lines`. */
    const limitedApp = (limits: Partial<StreamLimits>) => {
      const { logger, lines } = recordingLogger();
      const liveStreams = new LiveStreams({
        limits: { ...DEFAULT_STREAM_LIMITS, ...limits },
        logger,
        keys,
        clock: () => ledger.now(),
      });
      return { app: createApp({ ledger, meter, keys, balanceEvents, liveStreams, logger }), liveStreams, lines };
    };
    const open = (target: ReturnType<typeof createApp>, account: string, token: string, method = "GET") =>
      target.request(`/v1/accounts/${account}/events`, { method, headers: { authorization: `Bearer ${token}` } });
    /** The parts of a refusal a client branches on. */
    const refusalOf = async (response: Response) => {
      if (response.status === 200) {
        // Accepted after all: its body is a stream that does not end, so it is not read.
        await response.body?.cancel();
        return { status: 200 };
      }
      const body = (await response.json()) as { error: { code: string; details: Record<string, unknown> } };
      return {
        status: response.status,
        code: body.error.code,
        details: body.error.details,
        retryAfter: response.headers.get("retry-after"),
      };
    };
    /** Opens streams that must be accepted, read up to their first event, cancelled at the end of `run`. */
    const holding = async (run: (accept: (response: Response) => Promise<void>) => Promise<void>) => {
      const streams: Array<ReturnType<typeof sseReader>> = [];
      try {
        await run(async (response) => {
          assert.equal(response.status, 200);
          const stream = sseReader(response);
          streams.push(stream);
          await stream.next(EVENT_WAIT_MS);
        });
      } finally {
        for (const stream of streams) await stream.cancel();
      }
    };

    test("HEAD answers the stream's headers and holds nothing: no subscription, no place", async () => {
      const { app: limited, liveStreams } = limitedApp({ perSecretKey: 1 });
      const before = balanceEvents.subscriberCount;
      for (let i = 0; i < 3; i++) {
        const head = await open(limited, "user:alice", secret, "HEAD");
        assert.equal(head.status, 200);
        assert.match(head.headers.get("content-type") ?? "", /^text\/event-stream/);
        assert.equal(await head.text(), "");
      }
      // The key's one place is still free, and the GET's is the only subscription.
      await holding(async (accept) => {
        await accept(await open(limited, "user:alice", secret));
        assert.equal(balanceEvents.subscriberCount, before + 1);
        assert.equal(liveStreams.openCount, 1);
      });
      await waitFor(() => balanceEvents.subscriberCount === before && liveStreams.openCount === 0, "places given back");
    });

    test("a stream beyond its key's limit is refused 429 with Retry-After and a log line; another key still streams", async () => {
      const { app: limited, lines } = limitedApp({ perCustomerToken: 2 });
      const second = (await keys.create({ kind: "customer", accountId: aliceId })).token;
      await holding(async (accept) => {
        await accept(await open(limited, "user:alice", aliceToken));
        await accept(await open(limited, "user:alice", aliceToken));
        assert.deepEqual(await refusalOf(await open(limited, "user:alice", aliceToken)), {
          status: 429,
          code: "rate_limited",
          details: { reason: "streams_per_key", streamsMax: 2, retryAfterSeconds: 5 },
          retryAfter: "5",
        });
        const logged = lines.find((line) => line.message === "live stream refused");
        assert.deepEqual([logged?.level, logged?.reason, logged?.accountId], ["warn", "streams_per_key", aliceId]);
        await accept(await open(limited, "user:alice", second));
      });
    });

    test("a stream beyond its account's limit is refused 429 whatever the key; another account still streams", async () => {
      const { app: limited, lines } = limitedApp({ perAccount: 2 });
      const bobToken = (await keys.create({ kind: "customer", accountId: bobId })).token;
      await holding(async (accept) => {
        await accept(await open(limited, "user:bob", secret));
        await accept(await open(limited, "user:bob", secret));
        const refused = await refusalOf(await open(limited, "user:bob", bobToken));
        assert.deepEqual(
          [refused.status, refused.code, refused.details?.reason],
          [429, "rate_limited", "streams_per_account"],
        );
        assert.equal(refused.retryAfter, "5");
        assert.ok(
          lines.some((line) => line.message === "live stream refused" && line.reason === "streams_per_account"),
        );
        await accept(await open(limited, "user:alice", secret));
      });
    });

    test("a stream beyond the process's limit is refused 503 unavailable with Retry-After", async () => {
      const { app: limited, lines } = limitedApp({ perProcess: 2 });
      await holding(async (accept) => {
        await accept(await open(limited, "user:alice", secret));
        await accept(await open(limited, "user:bob", secret));
        assert.deepEqual(await refusalOf(await open(limited, "user:alice", aliceToken)), {
          status: 503,
          code: "unavailable",
          details: { reason: "streams_per_process", streamsMax: 2, retryAfterSeconds: 5 },
          retryAfter: "5",
        });
        assert.ok(
          lines.some((line) => line.message === "live stream refused" && line.reason === "streams_per_process"),
        );
      });
    });

    test("revoking a key ends its open streams, revoked through any instance; another token's stream goes on", async () => {
      const { app: limited, lines } = limitedApp({});
      const doomedToken = await keys.create({ kind: "customer", accountId: aliceId });
      const doomedSecret = await keys.create({ kind: "secret" });
      const kept = sseReader(await open(limited, "user:alice", aliceToken));
      const doomed = [
        sseReader(await open(limited, "user:alice", doomedToken.token)),
        sseReader(await open(limited, "user:bob", doomedSecret.token)),
      ];
      try {
        for (const stream of [kept, ...doomed]) await stream.next(EVENT_WAIT_MS);
        // Another instance revokes (on PostgreSQL through its own connections): the notification
        // reaches the keys this app listens with.
        const elsewhere = new ApiKeys(writer.sql);
        await elsewhere.revoke(doomedToken.key.keyId);
        await elsewhere.revoke(doomedSecret.key.keyId);
        for (const stream of doomed) await stream.end(EVENT_WAIT_MS);
        assert.ok(lines.some((line) => line.message === "live streams ended" && line.reason === "revoked"));
        const charged = await writer.charge({
          account: { accountId: aliceId },
          amountMinor: 1n,
          idempotencyKey: "after-revoke",
        });
        assert.ok(charged.ok);
        await kept.next(EVENT_WAIT_MS);
      } finally {
        await kept.cancel();
      }
    });

    test("a token's stream ends when the token expires", async () => {
      const { app: limited } = limitedApp({});
      // A token that expires soon; if this machine took longer than its life to open the stream
      // (401), one that lives twice as long.
      for (let lifeMs = 2_000; ; lifeMs *= 2) {
        assert.ok(lifeMs <= 64_000, "no stream opened within a token's life");
        const expiresAt = new Date(ledger.now().getTime() + lifeMs);
        const { token } = await keys.create({ kind: "customer", accountId: aliceId, expiresAt });
        const response = await open(limited, "user:alice", token);
        if (response.status === 401) continue;
        assert.equal(response.status, 200);
        await sseReader(response).end(EVENT_WAIT_MS + lifeMs);
        return;
      }
    });
  });
}
