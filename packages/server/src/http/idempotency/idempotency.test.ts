import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { HttpIdempotencyStore, ServerInstances, type SqlClient } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { SILENT_LOGGER } from "../../logger.ts";
import { ApiError } from "../api-error.ts";
import { errorHandler, notFoundHandler } from "../error-handler.ts";
import { type IdempotencyOptions, idempotency, retryAfterSeconds } from "./idempotency.ts";

const LOCK_MS = 60_000;

/** A promise the test resolves: lets a handler wait while another request arrives. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * A tiny app: a caller's scope from a test header (standing in for auth), the middleware,
 * and routes that count their calls and answer with something new each time (a random id),
 * so a replay is told apart from a second run.
 */
function buildApp(options: Pick<IdempotencyOptions, "store"> & Partial<IdempotencyOptions>) {
  let nowMs = Date.parse("2030-01-01T00:00:00Z");
  const calls = new Map<string, number>();
  const count = (route: string) => {
    const n = (calls.get(route) ?? 0) + 1;
    calls.set(route, n);
    return n;
  };
  const hooks = { slow: [] as Array<Promise<void>>, entered: [] as Array<() => void> };
  const app = new Hono<{ Variables: { scope: string } }>();
  app.use(requestId());
  app.onError(errorHandler(SILENT_LOGGER));
  app.notFound(notFoundHandler);
  app.use(async (c, next) => {
    c.set("scope", c.req.header("x-test-caller") ?? "key_a");
    await next();
  });
  app.use(idempotency({ clock: () => new Date(nowMs), scopeOf: (c) => c.get("scope"), lockMs: LOCK_MS, ...options }));
  app.post("/charges", async (c) => {
    const n = count("charges");
    return c.json({ call: n, id: randomUUID(), received: await c.req.json() }, 201);
  });
  app.get("/charges", (c) => c.json({ call: count("get") }));
  app.post("/invalid", () => {
    throw new ApiError("invalid_request", `Bad amount (call ${count("invalid")}).`, { field: "amountMinor" });
  });
  app.post("/flaky", (c) => {
    const n = count("flaky");
    if (n === 1) throw new Error("the database went away");
    if (n === 2) return c.json({ error: "upstream" }, 502);
    return c.json({ call: n }, 201);
  });
  app.post("/limited", (c) => c.json({ call: count("limited") }, count("limited-status") === 1 ? 429 : 200));
  app.post("/busy", (c) => {
    const n = count("busy");
    if (n === 1) throw new ApiError("idempotency_in_progress", "A nested call is still running.");
    return c.json({ call: n }, 409);
  });
  app.post("/slow", async (c) => {
    const n = count("slow");
    hooks.entered.shift()?.();
    await hooks.slow[n - 1];
    return c.json({ call: n, id: randomUUID() }, 201);
  });
  app.post("/bytes", (c) => {
    count("bytes");
    const bytes = new Uint8Array(300).map((_, index) => (index * 7) % 256);
    return c.body(bytes, 200, { "Content-Type": "application/octet-stream", "X-Not-Stored": "yes" });
  });
  app.post("/empty", (c) => {
    count("empty");
    return c.body(null, 204);
  });
  return {
    app,
    calls: (route: string) => calls.get(route) ?? 0,
    hooks,
    advanceMs: (ms: number) => {
      nowMs += ms;
    },
  };
}

const post = (path: string, key: string | null, body: unknown = {}, headers: Record<string, string> = {}) => ({
  path,
  init: {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(key === null ? {} : { "Idempotency-Key": key }), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  },
});

async function send(app: Hono<{ Variables: { scope: string } }>, request: ReturnType<typeof post>) {
  const response = await app.request(request.path, request.init);
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

for (const database of await testDatabases()) {
  describe(`idempotency middleware on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let store: HttpIdempotencyStore;
    before(async () => {
      ledger = await openTestLedger(database);
      store = new HttpIdempotencyStore(ledger.sql);
    });
    after(() => ledger.dispose());

    test("a replay returns the same status and bytes, marked replayed, and the handler ran once", async () => {
      const { app, calls } = buildApp({ store });
      const request = post("/charges", "k-replay", { amountMinor: "50" });
      const first = await send(app, request);
      assert.equal(first.response.status, 201);
      assert.equal(first.response.headers.get("idempotent-replayed"), null);
      assert.deepEqual(json(first.bytes).received, { amountMinor: "50" });
      const second = await send(app, request);
      assert.equal(second.response.status, 201);
      assert.equal(second.response.headers.get("idempotent-replayed"), "true");
      assert.equal(second.response.headers.get("content-type"), first.response.headers.get("content-type"));
      assert.deepEqual(second.bytes, first.bytes);
      assert.equal(calls("charges"), 1);
    });

    test("a listed read-only POST runs without a key, and with one is neither stored nor replayed", async () => {
      const { app, calls } = buildApp({ store, readOnlyPaths: ["/charges"] });
      const without = await send(app, post("/charges", null, { amountMinor: "1" }));
      assert.equal(without.response.status, 201);
      const keyed = post("/charges", "k-read-only", { amountMinor: "1" });
      const first = await send(app, keyed);
      const second = await send(app, keyed);
      assert.equal(second.response.headers.get("idempotent-replayed"), null);
      assert.notDeepEqual(json(second.bytes).id, json(first.bytes).id, "it ran again");
      assert.equal(calls("charges"), 3);
      // Only the exact path: another POST still needs its key.
      const other = await send(app, post("/invalid", null));
      assert.equal(other.response.status, 400);
      assert.equal(json(other.bytes).error.details.fields[0].field, "Idempotency-Key");
    });

    test("binary and empty bodies replay exactly; only the chosen headers are stored", async () => {
      const { app, calls } = buildApp({ store });
      const first = await send(app, post("/bytes", "k-bytes"));
      const second = await send(app, post("/bytes", "k-bytes"));
      assert.deepEqual(second.bytes, first.bytes);
      assert.equal(second.bytes.length, 300);
      assert.equal(second.response.headers.get("content-type"), "application/octet-stream");
      assert.equal(first.response.headers.get("x-not-stored"), "yes");
      assert.equal(second.response.headers.get("x-not-stored"), null);
      const empty = await send(app, post("/empty", "k-empty"));
      const emptyAgain = await send(app, post("/empty", "k-empty"));
      assert.deepEqual([empty.response.status, emptyAgain.response.status], [204, 204]);
      assert.equal(emptyAgain.response.headers.get("idempotent-replayed"), "true");
      assert.equal(emptyAgain.bytes.length, 0);
      assert.deepEqual([calls("bytes"), calls("empty")], [1, 1]);
    });

    test("the same key with another body or path is a 422 idempotency_conflict", async () => {
      const { app, calls } = buildApp({ store });
      await send(app, post("/charges", "k-conflict", { amountMinor: "50" }));
      for (const other of [
        post("/charges", "k-conflict", { amountMinor: "51" }),
        post("/charges?dry_run=true", "k-conflict", { amountMinor: "50" }),
        post("/invalid", "k-conflict", { amountMinor: "50" }),
      ]) {
        const { response, bytes } = await send(app, other);
        assert.equal(response.status, 422);
        assert.equal(json(bytes).error.code, "idempotency_conflict");
      }
      assert.match(json((await send(app, post("/charges", "k-conflict", {}))).bytes).error.message, /different body/);
      assert.equal(calls("charges"), 1);
    });

    test("a duplicate while the first is running is a 409 idempotency_in_progress with Retry-After: 1", async () => {
      const { app, calls, hooks } = buildApp({ store });
      const slow = gate();
      const entered = gate();
      hooks.slow.push(slow.opened);
      hooks.entered.push(entered.open);
      const request = post("/slow", "k-in-progress");
      const firstPending = send(app, request);
      await entered.opened;
      const duplicate = await send(app, request);
      assert.equal(duplicate.response.status, 409);
      assert.equal(duplicate.response.headers.get("retry-after"), "1");
      assert.equal(json(duplicate.bytes).error.code, "idempotency_in_progress");
      assert.equal(typeof json(duplicate.bytes).error.requestId, "string");
      slow.open();
      const first = await firstPending;
      assert.equal(first.response.status, 201);
      const replay = await send(app, request);
      assert.deepEqual(replay.bytes, first.bytes);
      assert.equal(calls("slow"), 1);
    });

    test("a thrown error or a 5xx releases the key: the retry runs and its answer is kept", async () => {
      const { app, calls } = buildApp({ store });
      const request = post("/flaky", "k-flaky");
      const thrown = await send(app, request);
      assert.equal(thrown.response.status, 500);
      assert.equal(json(thrown.bytes).error.code, "internal");
      const badGateway = await send(app, request);
      assert.equal(badGateway.response.status, 502);
      assert.equal(badGateway.response.headers.get("idempotent-replayed"), null);
      const success = await send(app, request);
      assert.equal(success.response.status, 201);
      const replay = await send(app, request);
      assert.equal(replay.response.headers.get("idempotent-replayed"), "true");
      assert.deepEqual(replay.bytes, success.bytes);
      assert.equal(calls("flaky"), 3);
    });

    test("a reservation the database committed but never confirmed is released: the retry runs, not a minute of 409s", async () => {
      // The connection drops between the commit of the reservation and its reply (a failover,
      // a terminated backend): the key is held by a request that has already failed.
      let dropReply = true;
      const dropping: SqlClient = {
        dialect: ledger.sql.dialect,
        query: (text, params) => ledger.sql.query(text, params),
        async queryUnflushed(text, params) {
          const rows = await ledger.sql.queryUnflushed(text, params);
          if (dropReply && text.includes("insert into http_idempotency_keys")) {
            dropReply = false;
            throw new Error("Connection terminated unexpectedly");
          }
          return rows as never;
        },
        exec: (script) => ledger.sql.exec(script),
        transaction: (work) => ledger.sql.transaction(work),
        listen: (channel, onMessage) => ledger.sql.listen(channel, onMessage),
        close: () => Promise.resolve(),
      };
      const { app, calls } = buildApp({ store: new HttpIdempotencyStore(dropping) });
      const request = post("/charges", "k-in-doubt", { amount: "5" });
      const first = await send(app, request);
      assert.equal(first.response.status, 503);
      assert.equal(json(first.bytes).error.code, "database_unavailable");
      // Retried as a client following Retry-After would; 409s while the release waits its turn.
      let retry = await send(app, request);
      for (let attempt = 0; retry.response.status === 409 && attempt < 200; attempt++) {
        await sleep(50);
        retry = await send(app, request);
      }
      assert.equal(retry.response.status, 201, "the key was released, not held for its lock");
      assert.equal(calls("charges"), 1);
    });

    test("a 4xx from the handler is the final answer and is replayed", async () => {
      const { app, calls } = buildApp({ store });
      const request = post("/invalid", "k-invalid", { amountMinor: "-1" });
      const first = await send(app, request);
      assert.equal(first.response.status, 400);
      assert.deepEqual(json(first.bytes).error.details, { field: "amountMinor" });
      const second = await send(app, request);
      assert.equal(second.response.status, 400);
      assert.equal(second.response.headers.get("idempotent-replayed"), "true");
      assert.deepEqual(second.bytes, first.bytes);
      assert.equal(calls("invalid"), 1);
    });

    test("a 429 or a 409 idempotency_in_progress is never stored; another 409 is", async () => {
      const { app, calls } = buildApp({ store });
      const limited = post("/limited", "k-limited");
      assert.equal((await send(app, limited)).response.status, 429);
      assert.equal((await send(app, limited)).response.status, 200);
      assert.equal((await send(app, limited)).response.headers.get("idempotent-replayed"), "true");
      assert.equal(calls("limited"), 2);
      const busy = post("/busy", "k-busy");
      assert.equal(json((await send(app, busy)).bytes).error.code, "idempotency_in_progress");
      const conflict = await send(app, busy);
      assert.deepEqual([conflict.response.status, json(conflict.bytes)], [409, { call: 2 }]);
      assert.equal((await send(app, busy)).response.headers.get("idempotent-replayed"), "true");
      assert.equal(calls("busy"), 2);
    });

    test("a POST without a well-formed Idempotency-Key is a 400 naming the header; the handler never runs", async () => {
      const { app, calls } = buildApp({ store });
      for (const [key, problem] of [
        [null, "required"],
        ["x".repeat(256), "malformed"],
        ["caf\u00e9", "malformed"],
        ["two words", "malformed"],
      ] as const) {
        const { response, bytes } = await send(app, post("/charges", key));
        assert.equal(response.status, 400);
        const { error } = json(bytes);
        assert.equal(error.code, "invalid_request");
        assert.deepEqual(error.details.fields, [{ field: "Idempotency-Key", message: problem }]);
        assert.match(error.message, /Idempotency-Key header/);
      }
      assert.equal((await send(app, post("/charges", "x".repeat(255)))).response.status, 201);
      assert.equal(calls("charges"), 1);
    });

    test("two callers with the same key are two requests", async () => {
      const { app, calls } = buildApp({ store });
      const a = await send(app, post("/charges", "k-shared", { n: 1 }, { "x-test-caller": "key_a" }));
      const b = await send(app, post("/charges", "k-shared", { n: 2 }, { "x-test-caller": "key_b" }));
      assert.deepEqual([a.response.status, b.response.status], [201, 201]);
      assert.deepEqual([json(a.bytes).received, json(b.bytes).received], [{ n: 1 }, { n: 2 }]);
      assert.equal(calls("charges"), 2);
    });

    test("after the lock expires a retry takes the key over; the stalled first run's answer is not stored", async () => {
      const { app, calls, hooks, advanceMs } = buildApp({ store });
      const stalled = gate();
      const entered = gate();
      hooks.slow.push(stalled.opened, Promise.resolve());
      hooks.entered.push(entered.open);
      const request = post("/slow", "k-takeover");
      const firstPending = send(app, request);
      await entered.opened;
      advanceMs(LOCK_MS - 1);
      assert.equal((await send(app, request)).response.status, 409);
      advanceMs(1);
      const takeover = await send(app, request);
      assert.equal(takeover.response.status, 201);
      assert.equal(json(takeover.bytes).call, 2);
      stalled.open();
      const first = await firstPending;
      assert.equal(json(first.bytes).call, 1, "the stalled client still gets the answer it caused");
      const replay = await send(app, request);
      assert.deepEqual(replay.bytes, takeover.bytes);
      assert.equal(calls("slow"), 2);
    });

    test("after the retention the key is free again", async () => {
      const { app, calls, advanceMs } = buildApp({ store, retentionMs: 3_600_000 });
      await send(app, post("/charges", "k-retention", { n: 1 }));
      advanceMs(3_600_000 - 1);
      assert.equal((await send(app, post("/charges", "k-retention", { n: 2 }))).response.status, 422);
      advanceMs(1);
      const reused = await send(app, post("/charges", "k-retention", { n: 2 }));
      assert.equal(reused.response.status, 201);
      assert.equal(calls("charges"), 2);
    });

    test("limits: a request body over the limit is a 413; a response over the limit is a 500 and frees the key", async () => {
      const small = buildApp({ store, requestBodyBytesMax: 64, responseBodyBytesMax: 100 });
      const large = await send(small.app, post("/charges", "k-large", { text: "x".repeat(100) }));
      assert.equal(large.response.status, 413);
      assert.equal(json(large.bytes).error.code, "request_too_large");
      const tooLong = await send(small.app, post("/bytes", "k-long-response"));
      assert.equal(tooLong.response.status, 500);
      const roomy = buildApp({ store });
      assert.equal((await send(roomy.app, post("/bytes", "k-long-response"))).response.status, 200);
      assert.throws(() => idempotency({ store, responseBodyBytesMax: 2_000_000 }), RangeError);
      assert.throws(() => idempotency({ store, lockMs: 10, retentionMs: 5 }), RangeError);
    });

    test("a body with a Content-Length and the same body chunked are one request; a declared length over the limit is a 413", async () => {
      const { app, calls } = buildApp({ store, requestBodyBytesMax: 64 });
      const text = JSON.stringify({ amountMinor: "7", note: "é" });
      const length = { "Content-Length": `${Buffer.byteLength(text)}` };
      const declared = await send(app, post("/charges", "k-declared", text, length));
      assert.equal(declared.response.status, 201);
      // The handler parsed the body the middleware read and cached.
      assert.deepEqual(json(declared.bytes).received, { amountMinor: "7", note: "é" });
      const chunked = await send(app, post("/charges", "k-declared", text));
      assert.equal(chunked.response.headers.get("idempotent-replayed"), "true");
      assert.deepEqual(chunked.bytes, declared.bytes);
      const tooLarge = await send(
        app,
        post("/charges", "k-declared-large", "x".repeat(65), { "Content-Length": "65" }),
      );
      assert.equal(tooLarge.response.status, 413);
      assert.equal(calls("charges"), 1);
    });

    test("a key held by a server that died: Retry-After counts down to when it is stale, then the retry runs", async () => {
      const t0 = Date.parse("2030-01-01T00:00:00Z");
      const instances = new ServerInstances(ledger.sql);
      const deadId = await instances.register(new Date(t0));
      const otherId = await instances.register(new Date(t0));
      const dead = buildApp({ store, instanceId: deadId });
      const other = buildApp({ store, instanceId: otherId });
      const stuck = gate();
      const entered = gate();
      dead.hooks.slow.push(stuck.opened);
      dead.hooks.entered.push(entered.open);
      const request = post("/slow", "k-dead-holder");
      const firstPending = send(dead.app, request);
      await entered.opened;
      // The dead server's last heartbeat was at t0; the other server's clock moves on.
      const retryAfterAt = async (ms: number) => {
        other.advanceMs(ms);
        const retry = await send(other.app, request);
        assert.equal(retry.response.status, 409);
        assert.equal(json(retry.bytes).error.code, "idempotency_in_progress");
        return retry.response.headers.get("retry-after");
      };
      assert.equal(await retryAfterAt(500), "1"); // its heartbeat is fresh: it is working
      assert.equal(await retryAfterAt(2000), "3"); // 2.5 s without a beat: stale at 5 s
      assert.equal(await retryAfterAt(1501), "1");
      other.advanceMs(999);
      const takenOver = await send(other.app, request);
      assert.equal(takenOver.response.status, 201);
      assert.equal(other.calls("slow"), 1);
      stuck.open();
      const late = await firstPending;
      assert.equal(late.response.status, 201);
      // The answer kept is the one that took over; the late holder's is not stored.
      assert.deepEqual((await send(other.app, request)).bytes, takenOver.bytes);
    });

    test("a key held by a server that beats on stays in progress for the lock, with Retry-After: 1", async () => {
      const instances = new ServerInstances(ledger.sql);
      const t0 = Date.parse("2030-01-01T00:00:00Z");
      const liveId = await instances.register(new Date(t0));
      const live = buildApp({ store, instanceId: liveId });
      const other = buildApp({ store, instanceId: await instances.register(new Date(t0)) });
      const stuck = gate();
      const entered = gate();
      live.hooks.slow.push(stuck.opened);
      live.hooks.entered.push(entered.open);
      const request = post("/slow", "k-live-holder");
      const firstPending = send(live.app, request);
      await entered.opened;
      for (let elapsedMs = 7000; elapsedMs < LOCK_MS; elapsedMs += 7000) {
        // Its heartbeat goes on (a beat half a second ago at each retry) while the request runs.
        await instances.heartbeat(liveId, new Date(t0 + elapsedMs - 500));
        other.advanceMs(7000);
        const retry = await send(other.app, request);
        assert.equal(retry.response.status, 409, `at ${elapsedMs} ms`);
        assert.equal(retry.response.headers.get("retry-after"), "1");
      }
      stuck.open();
      assert.equal((await firstPending).response.status, 201);
      assert.equal((await send(other.app, request)).response.headers.get("idempotent-replayed"), "true");
    });

    test("Retry-After: 1 for a holder that beats, the seconds until stale for one that missed beats, never past the lock", () => {
      const t0 = Date.parse("2030-01-01T00:00:00Z");
      const inProgress = (heartbeatAtMs: number | null, lockedUntilMs: number) => ({
        outcome: "in_progress" as const,
        lockedUntil: new Date(lockedUntilMs),
        holder:
          heartbeatAtMs === null
            ? null
            : { heartbeatAt: new Date(heartbeatAtMs), staleAt: new Date(heartbeatAtMs + 5000) },
      });
      const at = (nowMs: number) => new Date(nowMs);
      assert.equal(retryAfterSeconds(inProgress(null, t0 + 60_000), at(t0), 1000), 1);
      assert.equal(retryAfterSeconds(inProgress(t0, t0 + 60_000), at(t0 + 2000), 1000), 1);
      assert.equal(retryAfterSeconds(inProgress(t0, t0 + 60_000), at(t0 + 2001), 1000), 3);
      assert.equal(retryAfterSeconds(inProgress(t0, t0 + 60_000), at(t0 + 4999), 1000), 1);
      // Stale only after the lock ends: the lock comes first.
      assert.equal(retryAfterSeconds(inProgress(t0 + 56_000, t0 + 60_000), at(t0 + 58_100), 1000), 2);
      assert.equal(retryAfterSeconds(inProgress(t0, t0 + 400), at(t0 + 100), 1000), 1);
    });

    test("GET passes through untouched: no key needed, nothing stored, the handler runs each time", async () => {
      const { app, calls } = buildApp({ store });
      const first = await app.request("/charges");
      const second = await app.request("/charges", { headers: { "Idempotency-Key": "k-get" } });
      assert.deepEqual([first.status, second.status], [200, 200]);
      assert.equal(second.headers.get("idempotent-replayed"), null);
      assert.deepEqual([await first.json(), await second.json()], [{ call: 1 }, { call: 2 }]);
      assert.equal(calls("get"), 2);
    });
  });
}
