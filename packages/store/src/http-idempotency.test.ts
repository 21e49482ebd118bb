import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import {
  HTTP_RESPONSE_BODY_BYTES_MAX,
  type HttpIdempotencyReservation,
  HttpIdempotencyStore,
  type HttpRequestFingerprint,
  type StoredHttpResponse,
} from "./http-idempotency.ts";

const LOCK_MS = 60_000;
const RETENTION_MS = 86_400_000;
const T0 = Date.parse("2030-01-01T00:00:00Z");

const fingerprint = (body: string, target = "/v1/charges"): HttpRequestFingerprint => ({
  method: "POST",
  target,
  bodySha256: createHash("sha256").update(body).digest("hex"),
});

const response = (text: string, status = 201): StoredHttpResponse => ({
  status,
  headers: { "content-type": "application/json" },
  body: new TextEncoder().encode(text),
});

function reserved(reservation: HttpIdempotencyReservation): string {
  assert.equal(reservation.outcome, "reserved");
  return reservation.outcome === "reserved" ? reservation.lockToken : "";
}

for (const database of await testDatabases()) {
  describe(`HTTP idempotency keys on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let store: HttpIdempotencyStore;
    before(async () => {
      ledger = await openTestLedger(database);
      store = new HttpIdempotencyStore(ledger.sql);
    });
    after(() => ledger.dispose());

    const reserve = (key: string, request: HttpRequestFingerprint, nowMs = T0, scope = "scope_a") =>
      store.reserve({
        scope,
        key,
        request,
        now: new Date(nowMs),
        lockedUntil: new Date(nowMs + LOCK_MS),
        expiresAt: new Date(nowMs + RETENTION_MS),
      });
    const complete = (key: string, lockToken: string, stored: StoredHttpResponse, nowMs = T0, scope = "scope_a") =>
      store.complete({
        scope,
        key,
        lockToken,
        response: stored,
        now: new Date(nowMs),
        expiresAt: new Date(nowMs + RETENTION_MS),
      });

    test("reserve, in progress, complete, then the stored response byte for byte", async () => {
      const request = fingerprint('{"amount":"5"}');
      const token = reserved(await reserve("k-basic", request));
      const during = await reserve("k-basic", request, T0 + 1000);
      assert.deepEqual(during, { outcome: "in_progress", lockedUntil: new Date(T0 + LOCK_MS), holder: null });
      const bytes = new Uint8Array(256).map((_, index) => index);
      const stored = { status: 201, headers: { "content-type": "application/octet-stream" }, body: bytes };
      assert.equal(await complete("k-basic", token, stored), true);
      assert.deepEqual(await reserve("k-basic", request, T0 + 2000), { outcome: "replay", response: stored });
    });

    test("the same key for another method, target or body conflicts, in progress or done", async () => {
      const request = fingerprint("a");
      const token = reserved(await reserve("k-conflict", request));
      const others = [{ ...request, method: "PUT" }, fingerprint("a", "/v1/grants"), fingerprint("b")];
      for (const other of others) {
        assert.deepEqual(await reserve("k-conflict", other), {
          outcome: "conflict",
          firstRequest: { method: "POST", target: "/v1/charges" },
        });
      }
      await complete("k-conflict", token, response("{}"));
      assert.equal((await reserve("k-conflict", fingerprint("b"))).outcome, "conflict");
    });

    test("the same key in two scopes is two keys", async () => {
      reserved(await reserve("k-scope", fingerprint("a"), T0, "scope_a"));
      reserved(await reserve("k-scope", fingerprint("b"), T0, "scope_b"));
    });

    test("release frees the key for any request; only the holder's token releases or completes", async () => {
      const token = reserved(await reserve("k-release", fingerprint("a")));
      assert.equal(await store.release({ scope: "scope_a", key: "k-release", lockToken: "not-the-token" }), false);
      assert.equal(await complete("k-release", "not-the-token", response("{}")), false);
      assert.equal(await store.release({ scope: "scope_a", key: "k-release", lockToken: token }), true);
      assert.equal(await store.release({ scope: "scope_a", key: "k-release", lockToken: token }), false);
      reserved(await reserve("k-release", fingerprint("b")));
    });

    test("after the lock expires the key is taken over, and the late holder can neither complete nor release", async () => {
      const request = fingerprint("a");
      const first = reserved(await reserve("k-takeover", request));
      assert.equal((await reserve("k-takeover", request, T0 + LOCK_MS - 1)).outcome, "in_progress");
      assert.equal((await reserve("k-takeover", fingerprint("other"), T0 + LOCK_MS)).outcome, "conflict");
      const takeover = await reserve("k-takeover", request, T0 + LOCK_MS);
      assert.equal(takeover.outcome === "reserved" && takeover.takenOver, true);
      const second = reserved(takeover);
      assert.equal(await complete("k-takeover", first, response('"late"')), false);
      assert.equal(await store.release({ scope: "scope_a", key: "k-takeover", lockToken: first }), false);
      assert.equal(await complete("k-takeover", second, response('"second"'), T0 + LOCK_MS + 5), true);
      const replay = await reserve("k-takeover", request, T0 + LOCK_MS + 10);
      assert.equal(replay.outcome === "replay" && new TextDecoder().decode(replay.response.body), '"second"');
    });

    test("past its retention a key is free again, purged or not", async () => {
      const token = reserved(await reserve("k-retention", fingerprint("a")));
      await complete("k-retention", token, response("{}"));
      assert.equal((await reserve("k-retention", fingerprint("b"), T0 + RETENTION_MS - 1)).outcome, "conflict");
      const again = await reserve("k-retention", fingerprint("b"), T0 + RETENTION_MS);
      assert.equal(again.outcome === "reserved" && again.takenOver, false);
      assert.equal((await reserve("k-retention", fingerprint("b"), T0 + RETENTION_MS + 1)).outcome, "in_progress");
    });

    test("purgeExpired deletes expired rows oldest first, within its limit, and keeps the rest", async () => {
      // Long before the other tests' rows, so those are not yet expired at `purgeAt`.
      const base = T0 - 10 * RETENTION_MS;
      for (const [index, key] of ["p1", "p2", "p3"].entries()) {
        const token = reserved(await reserve(key, fingerprint(key), base + index, "scope_purge"));
        await complete(key, token, response("{}"), base + index, "scope_purge");
      }
      reserved(await reserve("p-crashed", fingerprint("x"), base, "scope_purge"));
      reserved(await reserve("p-fresh", fingerprint("y"), base + RETENTION_MS, "scope_purge"));
      const purgeAt = new Date(base + RETENTION_MS + 10);
      assert.equal(await store.purgeExpired(purgeAt, 2), 2);
      assert.equal(await store.purgeExpired(purgeAt, 100), 2);
      assert.equal(await store.purgeExpired(purgeAt, 100), 0);
      const left = await ledger.sql.query<{ idempotency_key: string }>(
        "select idempotency_key from http_idempotency_keys where scope = 'scope_purge'",
      );
      assert.deepEqual(
        left.map((row) => row.idempotency_key),
        ["p-fresh"],
      );
      await assert.rejects(store.purgeExpired(purgeAt, 0), RangeError);
      await assert.rejects(store.purgeExpired(purgeAt, 10_001), RangeError);
    });

    test("limits: key, scope, target, stored body; the schema enforces the body cap too", async () => {
      await assert.rejects(reserve("x".repeat(256), fingerprint("a")), RangeError);
      await assert.rejects(reserve("tab\tkey", fingerprint("a")), RangeError);
      await assert.rejects(reserve("two words", fingerprint("a")), RangeError);
      await assert.rejects(reserve("k", fingerprint("a"), T0, ""), RangeError);
      await assert.rejects(reserve("k", fingerprint("a", `/${"x".repeat(8192)}`)), RangeError);
      reserved(await reserve("x".repeat(255), fingerprint("a")));
      const token = reserved(await reserve("k-big", fingerprint("a")));
      const tooBig = { ...response(""), body: new Uint8Array(HTTP_RESPONSE_BODY_BYTES_MAX + 1) };
      await assert.rejects(complete("k-big", token, tooBig), RangeError);
      await assert.rejects(
        ledger.sql.query(
          `update http_idempotency_keys set state = 'done', lock_token = null, locked_until = null,
             response_status = 200, response_headers = '{}', response_body = $1, completed_at = now()
           where idempotency_key = 'k-big'`,
          [Buffer.alloc(HTTP_RESPONSE_BODY_BYTES_MAX + 1)],
        ),
        /check constraint/,
      );
      const atCap = { ...response(""), body: new Uint8Array(HTTP_RESPONSE_BODY_BYTES_MAX).fill(7) };
      assert.equal(await complete("k-big", token, atCap), true);
      const replay = await reserve("k-big", fingerprint("a"));
      assert.equal(replay.outcome === "replay" && replay.response.body.byteLength, HTTP_RESPONSE_BODY_BYTES_MAX);
    });

    test("an empty body is stored and replayed as empty", async () => {
      const token = reserved(await reserve("k-empty", fingerprint("")));
      await complete("k-empty", token, { status: 204, headers: {}, body: new Uint8Array(0) });
      assert.deepEqual(await reserve("k-empty", fingerprint("")), {
        outcome: "replay",
        response: { status: 204, headers: {}, body: new Uint8Array(0) },
      });
    });

    test("many requests racing for one key: exactly one reserves it, and exactly one takes it over", async () => {
      const request = fingerprint("race");
      const first = await Promise.all(Array.from({ length: 12 }, () => reserve("k-race", request)));
      assert.deepEqual(count(first), { reserved: 1, in_progress: 11 });
      const later = T0 + LOCK_MS + 1;
      const second = await Promise.all(Array.from({ length: 12 }, () => reserve("k-race", request, later)));
      assert.deepEqual(count(second), { reserved: 1, in_progress: 11 });
      assert.ok(second.some((one) => one.outcome === "reserved" && one.takenOver));
    });

    test("concurrent requests are written together, and each gets its own row and answer back", async () => {
      // Sizes on both sides of the grouped statement's body limit (16 KiB), in one burst.
      const keys = Array.from({ length: 40 }, (_, index) => `k-group-${index}`);
      const bodyOf = (index: number) => new Uint8Array(index % 5 === 0 ? 20_000 + index : index).fill(index);
      const tokens = (await Promise.all(keys.map((key) => reserve(key, fingerprint(key))))).map(reserved);
      const done = await Promise.all(
        keys.map((key, index) =>
          complete(key, tokens[index] as string, {
            status: 200 + index,
            headers: { "x-index": `${index}` },
            body: bodyOf(index),
          }),
        ),
      );
      assert.deepEqual(
        done,
        keys.map(() => true),
      );
      const replays = await Promise.all(keys.map((key) => reserve(key, fingerprint(key), T0 + 1)));
      for (const [index, replay] of replays.entries()) {
        assert.deepEqual(replay, {
          outcome: "replay",
          response: { status: 200 + index, headers: { "x-index": `${index}` }, body: bodyOf(index) },
        });
      }
      // A stale token among fresh ones changes only its own row: nothing.
      const fresh = reserved(await reserve("k-group-fresh", fingerprint("f")));
      const outcomes = await Promise.all([
        complete("k-group-fresh", fresh, response("{}")),
        complete("k-group-0", tokens[0] as string, response("late")),
      ]);
      assert.deepEqual(outcomes, [true, false]);
    });
  });
}

function count(reservations: HttpIdempotencyReservation[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { outcome } of reservations) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}
