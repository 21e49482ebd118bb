// Retries against the real server behind a scripted front, on both databases: attempts are
// counted at the front, never timed. A write whose answer was lost is sent again with the same
// Idempotency-Key and happens once; what is not safe or not transient is not retried.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { createTollgateClient, type TollgateClient, TollgateError } from "./index.ts";
import { openSdkTestServer, type SdkTestServer } from "./sdk-test-server.ts";

const UNAVAILABLE = { do: "answer", status: 503, headers: { "retry-after": "0" } } as const;

for (const database of await testDatabases()) {
  describe(`the SDK's retries on ${database.name}`, () => {
    let server: SdkTestServer;
    let tollgate: TollgateClient;
    before(async () => {
      server = await openSdkTestServer(database);
      // A 1 ms backoff: the tests count attempts; how long the client waits is retry-policy.test.ts's.
      tollgate = createTollgateClient({
        baseUrl: server.frontUrl,
        secretKey: server.secret,
        maxRetries: 2,
        backoff: { initialMs: 1, maxMs: 1 },
      });
    });
    after(() => server.close());

    const balance = async (ref: string) => {
      const direct = createTollgateClient({ baseUrl: server.baseUrl, secretKey: server.secret });
      return (await direct.balances.list(ref))[0]?.balance;
    };

    test("503 then 200: one write, the same generated Idempotency-Key on both attempts", async () => {
      // The first attempt reaches the ledger; its answer is lost and a 503 comes back instead.
      server.script((attempt) => (attempt === 0 ? { ...UNAVAILABLE, after: true } : { do: "pass" }));
      const grant = await tollgate.grants.create("user:alice", { amount: "10", source: "promo" });
      assert.equal(server.seen.length, 2);
      const [first, second] = server.seen;
      assert.match(first?.idempotencyKey ?? "", /^[0-9a-f-]{36}$/);
      assert.equal(second?.idempotencyKey, first?.idempotencyKey);
      assert.equal(grant.balance, "10", "the replayed answer is the first attempt's");
      assert.equal(await balance("user:alice"), "10", "granted once");
    });

    test("a dropped connection is retried; a read needs no key", async () => {
      server.script((attempt) => (attempt === 0 ? { do: "drop" } : { do: "pass" }));
      await tollgate.accounts.upsert({ type: "user", externalId: "bob" });
      assert.equal(server.seen.length, 2);
      server.script((attempt) => (attempt === 0 ? { do: "drop" } : { do: "pass" }));
      assert.equal((await tollgate.accounts.get("user:bob")).externalId, "bob");
      assert.equal(server.seen.length, 2);
      assert.equal(server.seen[0]?.idempotencyKey, null);
    });

    test("429 and 409 idempotency_in_progress are retried; a given key is kept", async () => {
      const rateLimited = { do: "answer", status: 429, headers: { "retry-after": "0" } } as const;
      const inProgress = {
        do: "answer",
        status: 409,
        body: { error: { code: "idempotency_in_progress", message: "still running", details: {} } },
      } as const;
      server.script((attempt) => (attempt === 0 ? rateLimited : attempt === 1 ? inProgress : { do: "pass" }));
      await tollgate.grants.create("user:carol", { amount: "5", source: "promo" }, { idempotencyKey: "order-7" });
      assert.deepEqual(
        server.seen.map((seen) => seen.idempotencyKey),
        ["order-7", "order-7", "order-7"],
      );
      assert.equal(await balance("user:carol"), "5");
    });

    test("retries stop after maxRetries: the last refusal is thrown", async () => {
      server.script(() => UNAVAILABLE);
      const error = await tollgate.accounts.get("user:alice").catch((caught: unknown) => caught);
      assert.ok(error instanceof TollgateError);
      assert.equal(error.status, 503);
      assert.equal(error.code, "unavailable");
      assert.equal(server.seen.length, 3, "the first attempt and two retries");
    });

    test("what will not change is not retried: 402, 404, 409 of another code, 501", async () => {
      const answers = [
        { status: 402, code: "insufficient_credits" },
        { status: 404, code: "not_found" },
        { status: 409, code: "stripe_price_missing" },
        { status: 501, code: "stripe_not_configured" },
      ];
      for (const { status, code } of answers) {
        server.script(() => ({ do: "answer", status, body: { error: { code, message: code, details: {} } } }));
        const error = await tollgate.charges
          .create({ account: "user:alice", amount: "1", reason: "x" })
          .catch((caught: unknown) => caught);
        assert.ok(error instanceof TollgateError);
        assert.equal(error.code, code);
        assert.equal(server.seen.length, 1, `${status} ${code} is sent once`);
      }
    });

    test("no answer after the retries: connection_error with status 0", async () => {
      server.script(() => ({ do: "drop" }));
      const error = await tollgate.accounts.get("user:alice").catch((caught: unknown) => caught);
      assert.ok(error instanceof TollgateError);
      assert.equal(error.code, "connection_error");
      assert.equal(error.status, 0);
      assert.equal(server.seen.length, 3);
    });

    test("the caller's own abort is not retried", async () => {
      let arrived: () => void = () => {};
      const hanging = new Promise<void>((resolve) => (arrived = resolve));
      server.script(() => {
        arrived();
        return { do: "hang" };
      });
      const controller = new AbortController();
      const call = tollgate.grants.create("user:dan", { amount: "1", source: "promo" }, { signal: controller.signal });
      await hanging;
      controller.abort();
      await assert.rejects(call, (error: unknown) => error instanceof Error && error.name === "AbortError");
      assert.equal(server.seen.length, 1);
    });

    test("an attempt that hangs times out and the retry answers", async () => {
      const patient = createTollgateClient({
        baseUrl: server.frontUrl,
        secretKey: server.secret,
        maxRetries: 1,
        timeoutMs: 1_000,
        backoff: { initialMs: 1, maxMs: 1 },
      });
      server.script((attempt) => (attempt === 0 ? { do: "hang" } : { do: "pass" }));
      assert.deepEqual(await patient.health(), { status: "ok" });
      assert.equal(server.seen.length, 2);
    });
  });
}
