import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { Ledger } from "../ledger.ts";
import { retryDelayMs } from "./retry-policy.ts";
import type { AttemptOutcome } from "./webhook-queue.ts";
import { depleteAccount } from "./webhook-test-events.ts";
import { Webhooks } from "./webhooks.ts";

const config = defineLedgerConfig({ units: [{ unit: "credits", scale: 0 }] });
const T0 = new Date("2031-06-01T00:00:00.000Z");
const LEASE_MS = 60_000;

const outcome = (responseStatus: number | null, extra: Partial<AttemptOutcome> = {}): AttemptOutcome => ({
  startedAt: T0,
  durationMs: 12,
  responseStatus,
  error: responseStatus === null ? "connection refused" : null,
  responseBody: responseStatus === null ? null : "ok",
  ...extra,
});

for (const database of await testDatabases()) {
  describe(`webhooks store on ${database.name}`, () => {
    let now = T0;
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let webhooks: Webhooks;
    const deplete = (externalId: string) => depleteAccount(ledger, webhooks, externalId);
    before(async () => {
      ledger = await openTestLedger(database, { config, clock: () => now });
      webhooks = Webhooks.of(ledger, { retryPolicy: { maxAttempts: 3 }, random: () => 0.5 });
    });
    after(() => ledger.dispose());

    test("endpoints: the secret once, validated input, disable fails what is pending", async () => {
      const { endpoint, secret } = await webhooks.createEndpoint({
        url: "https://app.example.com/hooks",
        eventTypes: ["balance.depleted", "balance.depleted"],
      });
      assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
      assert.match(endpoint.endpointId, /^we_[0-9a-f]{32}$/);
      assert.deepEqual(endpoint.eventTypes, ["balance.depleted"]);
      assert.equal(JSON.stringify(await webhooks.listEndpoints()).includes(secret), false, "never listed");
      for (const [input, message] of [
        [{ url: "ftp://x" }, /http:\/\/ or https:\/\//],
        [{ url: "https://user:pw@x.example" }, /user name or password/],
        [{ url: "not a url" }, /is not a URL/],
        [{ url: `https://x.example/${"a".repeat(2048)}` }, /2048/],
        [{ url: "https://x.example", eventTypes: ["balance.lowish"] }, /not an event type/],
      ] as const) {
        await assert.rejects(webhooks.createEndpoint(input as never), message);
      }
      await deplete("disable-me");
      const pending = await webhooks.listDeliveries({ endpointId: endpoint.endpointId });
      assert.equal(pending.items.length, 1);
      const disabled = await webhooks.disableEndpoint(endpoint.endpointId);
      assert.equal(disabled.code, "disabled");
      assert.equal(disabled.code === "disabled" && disabled.pendingFailed, 1);
      assert.equal((await webhooks.disableEndpoint(endpoint.endpointId)).code, "already_disabled");
      assert.deepEqual(await webhooks.disableEndpoint(`we_${"0".repeat(32)}`), { code: "not_found" });
      const failed = (await webhooks.listDeliveries({ endpointId: endpoint.endpointId })).items[0];
      assert.deepEqual([failed?.status, failed?.lastError], ["failed", "endpoint disabled"]);
      assert.equal((await webhooks.listEndpoints()).length, 0);
      assert.equal((await webhooks.listEndpoints({ includeDisabled: true })).length, 1);
    });

    test("fan-out by type, claim, retry with backoff, fail after the last attempt, replay", async () => {
      const all = (await webhooks.createEndpoint({ url: "http://127.0.0.1:9/all" })).endpoint;
      const other = (await webhooks.createEndpoint({ url: "http://127.0.0.1:9/other", eventTypes: ["grant.expired"] }))
        .endpoint;
      const eventId = await deplete("retry");
      const deliveries = (await webhooks.listDeliveries({ eventId })).items;
      assert.deepEqual(
        deliveries.map((d) => [d.endpointId, d.status, d.attempts]),
        [[all.endpointId, "pending", 0]],
        "only the endpoint that takes balance.depleted",
      );
      assert.equal((await webhooks.listDeliveries({ endpointId: other.endpointId })).items.length, 0);

      const schedule: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        const [claimed, ...rest] = await webhooks.claimDue({ limit: 10, leaseMs: LEASE_MS });
        assert.equal(rest.length, 0);
        assert.equal(claimed?.attempt, attempt);
        assert.equal(claimed?.event.eventId, eventId);
        assert.equal(claimed?.endpoint.url, "http://127.0.0.1:9/all");
        assert.deepEqual(await webhooks.claimDue({ limit: 10, leaseMs: LEASE_MS }), [], "leased: not claimed twice");
        const recorded = await webhooks.recordAttempt(
          claimed as never,
          outcome(500, { responseBody: "x".repeat(5000) }),
        );
        assert.equal(recorded.recorded, true);
        if (recorded.nextAttemptAt) schedule.push(recorded.nextAttemptAt.getTime() - now.getTime());
        assert.deepEqual(await webhooks.claimDue({ limit: 10, leaseMs: LEASE_MS }), [], "not due before the backoff");
        if (recorded.nextAttemptAt) now = recorded.nextAttemptAt;
      }
      const policy = webhooks.retryPolicy;
      assert.deepEqual(schedule, [retryDelayMs(1, policy, () => 0.5), retryDelayMs(2, policy, () => 0.5)]);
      assert.deepEqual(schedule, [5000, 10_000], "half of 10 s, then of 20 s (full jitter at 0.5)");
      const failed = await webhooks.getDelivery(deliveries[0]?.deliveryId ?? "");
      assert.deepEqual([failed?.status, failed?.attempts, failed?.lastResponseStatus], ["failed", 3, 500]);
      assert.deepEqual(
        failed?.log.map((line) => [line.attempt, line.responseStatus, line.responseBody?.length]),
        [
          [1, 500, 1024],
          [2, 500, 1024],
          [3, 500, 1024],
        ],
      );

      const replayed = await webhooks.replay(deliveries[0]?.deliveryId ?? "");
      assert.equal(replayed.code, "replayed");
      const [again] = await webhooks.claimDue({ limit: 10, leaseMs: LEASE_MS });
      assert.equal(again?.attempt, 1, "a replay starts with a full set of attempts");
      assert.equal((await webhooks.recordAttempt(again as never, outcome(204))).status, "succeeded");
      const done = await webhooks.getDelivery(again?.deliveryId ?? "");
      assert.deepEqual([done?.status, done?.replayOf], ["succeeded", deliveries[0]?.deliveryId]);
      const byEvent = await webhooks.replay(eventId);
      assert.equal(byEvent.code === "replayed" && byEvent.deliveryIds.length, 1, "one enabled endpoint takes it");
      assert.deepEqual(await webhooks.replay(`evt_${"0".repeat(32)}`), { code: "not_found" });
      await assert.rejects(webhooks.replay("acct_x"), /neither an event id/);
      await webhooks.disableEndpoint(all.endpointId);
      await webhooks.disableEndpoint(other.endpointId);
      assert.deepEqual(await webhooks.replay(eventId), { code: "no_endpoint" });
    });

    test("a lease that ran out: the late dispatcher records nothing", async () => {
      const endpoint = (await webhooks.createEndpoint({ url: "http://127.0.0.1:9/lease" })).endpoint;
      await deplete("lease");
      const [first] = await webhooks.claimDue({ limit: 10, leaseMs: LEASE_MS });
      now = new Date(now.getTime() + LEASE_MS);
      const [second] = await webhooks.claimDue({ limit: 10, leaseMs: LEASE_MS });
      assert.equal(second?.deliveryId, first?.deliveryId);
      assert.equal(second?.attempt, 2, "the lost attempt counts");
      assert.equal((await webhooks.recordAttempt(first as never, outcome(200))).recorded, false);
      assert.equal((await webhooks.recordAttempt(second as never, outcome(200))).recorded, true);
      await webhooks.disableEndpoint(endpoint.endpointId);
    });

    test("an update changes what it names, checked as on creation; a disabled endpoint stays as it was", async () => {
      const { endpoint } = await webhooks.createEndpoint({ url: "https://a.example/hooks", description: "first" });
      const retyped = await webhooks.updateEndpoint(endpoint.endpointId, { eventTypes: ["grant.expired"] });
      assert.equal(retyped.code, "updated");
      assert.deepEqual(
        retyped.code === "updated" && [retyped.endpoint.url, retyped.endpoint.eventTypes, retyped.endpoint.description],
        ["https://a.example/hooks", ["grant.expired"], "first"],
      );
      const moved = await webhooks.updateEndpoint(endpoint.endpointId, {
        url: "https://b.example/h",
        description: null,
      });
      assert.deepEqual(
        moved.code === "updated" && [moved.endpoint.url, moved.endpoint.eventTypes, moved.endpoint.description],
        ["https://b.example/h", ["grant.expired"], null],
      );
      await assert.rejects(webhooks.updateEndpoint(endpoint.endpointId, { url: "ftp://x" }), /http:\/\//);
      await assert.rejects(webhooks.updateEndpoint(endpoint.endpointId, { description: "" }), /description/);
      assert.equal((await webhooks.getEndpoint(endpoint.endpointId))?.url, "https://b.example/h", "unchanged");
      await webhooks.disableEndpoint(endpoint.endpointId);
      const refused = await webhooks.updateEndpoint(endpoint.endpointId, { description: "again" });
      assert.deepEqual([refused.code, refused.code === "disabled" && refused.endpoint.description], ["disabled", null]);
      assert.deepEqual(await webhooks.updateEndpoint(`we_${"0".repeat(32)}`, { description: "x" }), {
        code: "not_found",
      });
    });

    test("endpoints page in creation order", async () => {
      const all = await webhooks.endpointPage({ includeDisabled: true, limit: 500 });
      assert.ok(all.items.length >= 3);
      const first = await webhooks.endpointPage({ includeDisabled: true, limit: 2 });
      const second = await webhooks.endpointPage({ includeDisabled: true, limit: 2, after: first.nextCursor });
      assert.deepEqual(
        [...first.items, ...second.items].map((endpoint) => endpoint.endpointId),
        all.items.slice(0, 4).map((endpoint) => endpoint.endpointId),
      );
      assert.equal(all.nextCursor, null);
      await assert.rejects(webhooks.endpointPage({ after: "we_1" }), /not an endpoint id/);
    });

    test("pages of events and deliveries; bad filters are refused", async () => {
      const page = await webhooks.listEvents({ limit: 1 });
      assert.equal(page.items.length, 1);
      const next = await webhooks.listEvents({ limit: 1, before: page.nextCursor });
      assert.ok((next.items[0]?.eventId ?? "") < (page.items[0]?.eventId ?? ""));
      await assert.rejects(webhooks.listEvents({ limit: 0 }), /limit/);
      await assert.rejects(webhooks.listEvents({ type: "nope" }), /not an event type/);
      await assert.rejects(webhooks.listDeliveries({ status: "lost" }), /status/);
      await assert.rejects(webhooks.listDeliveries({ eventId: "wd_1" }), /not an event id/);
    });
  });
}

const postgres = (await testDatabases()).find((database) => database.name === "postgres");
describe("two dispatchers on PostgreSQL", { skip: postgres ? false : "PostgreSQL not reachable" }, () => {
  test("claiming at once, no delivery is claimed twice", async () => {
    const ledger = await openTestLedger(postgres ?? { name: "postgres", databaseUrl: undefined }, { config });
    const other = await Ledger.open({ databaseUrl: postgres?.databaseUrl, schema: ledger.schema, config });
    try {
      const a = Webhooks.of(ledger);
      const b = Webhooks.of(other);
      await a.createEndpoint({ url: "http://127.0.0.1:9/a" });
      await a.createEndpoint({ url: "http://127.0.0.1:9/b" });
      await Promise.all(
        Array.from({ length: 60 }, async (_, index) => {
          const account = { type: "user" as const, externalId: `u${index}` };
          await ledger.grant({ account, amountMinor: 1n, source: "promo", idempotencyKey: "g" });
          await ledger.charge({ account, amountMinor: 1n, idempotencyKey: "c" });
        }),
      );
      const claimed: string[] = [];
      const claimer = async (webhooks: Webhooks) => {
        for (;;) {
          const batch = await webhooks.claimDue({ limit: 7, leaseMs: LEASE_MS });
          if (batch.length === 0) return;
          claimed.push(...batch.map((delivery) => delivery.deliveryId));
        }
      };
      await Promise.all([claimer(a), claimer(b), claimer(a), claimer(b)]);
      assert.equal(claimed.length, 120, "60 events × 2 endpoints");
      assert.equal(new Set(claimed).size, 120, "each exactly once");
    } finally {
      await other.close();
      await ledger.dispose();
    }
  });
});
