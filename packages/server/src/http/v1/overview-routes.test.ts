// GET /v1/overview on both databases, from a known set of charges at known times: credits
// outstanding, active holds, usage today and over 30 days with provider cost and margin, and a
// failing webhook that stops failing once a replay gets through. Every figure is exact.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { definePricingConfig } from "@tollgate/metering";
import { Webhooks } from "@tollgate/store";
import { testDatabases } from "@tollgate/store/testing";
import { dispatchDueWebhooks } from "../../webhooks/webhook-dispatcher.ts";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

const HOUR_MS = 3_600_000;
/** 06:00 UTC: 22:00 the day before in Los Angeles (UTC−8 on this date), so the zone moves "today". */
const T0 = new Date("2031-03-01T06:00:00.000Z");
const quiet = { info() {}, warn() {}, error() {} };

interface Totals {
  unit: string;
  events: number;
  failedEvents: number;
  charged: string;
  providerCostUsd: string;
  chargedUsd: string | null;
  marginUsd: string | null;
}
interface OverviewAnswer {
  now: string;
  outstanding: Array<{ unit: string; accounts: number; balance: string; held: string; debt: string }>;
  activeHolds: Array<{ unit: string; holds: number; amount: string }>;
  today: { from: string; to: string; units: Totals[] };
  last30Days: { from: string; to: string; units: Totals[] };
  webhooks: {
    failedDeliveries: number;
    retryingDeliveries: number;
    endpoints: Array<{ id: string; failedDeliveries: number; retryingDeliveries: number; lastError: string | null }>;
  };
}

/** A receiving app that answers the scripted statuses in turn, then 200. */
async function receiver(statuses: number[]) {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(statuses.shift() ?? 200).end("ok"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

for (const database of await testDatabases()) {
  describe(`/v1/overview on ${database.name}`, () => {
    let now = new Date(T0.getTime() - 40 * 24 * HOUR_MS);
    let api: TestApi;
    let admin = "";
    let hooks: Awaited<ReturnType<typeof receiver>>;
    // The dispatcher's side: one attempt, so the first failure is final.
    let dispatcher: Webhooks;
    const overview = async (query = "") =>
      api.call<OverviewAnswer>("GET", `/v1/overview${query}`, undefined, { token: admin });
    const call = async (path: string, body: unknown) => {
      const answer = await api.call("POST", path, body);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body;
    };
    // 10,000 input tokens at $10/M and 1,000 output at $30/M: $0.13; ×2 markup ×100 credits a dollar: 26.00.
    const modelCall = (account: string, inputTokens: number, outputTokens: number) =>
      call("/v1/usage-events", { account, provider: "test", model: "flat", usage: { inputTokens, outputTokens } });

    before(async () => {
      api = await openTestApi(database, {
        clock: () => now,
        ledger: defineLedgerConfig({
          units: [
            { unit: "credits", scale: 2 },
            { unit: "goal_generation", scale: 0 },
          ],
          defaultUnit: "credits",
        }),
        pricing: definePricingConfig({
          creditsPerUsd: "100",
          markup: { default: "2" },
          fallbackPrice: { input_mtok: "10", output_mtok: "30" },
          features: { generate_goal: { unit: "goal_generation", costMinor: 3n } },
        }),
      });
      admin = (await api.keys.create({ kind: "secret", admin: true })).token;
      hooks = await receiver([500, 500]);
      dispatcher = Webhooks.of(api.ledger, { retryPolicy: { maxAttempts: 1 } });
      await dispatcher.createEndpoint({ url: hooks.url, eventTypes: ["balance.depleted"] });
      // 40 days ago: outside both windows.
      await call("/v1/accounts/user:alice/grants", { amount: "100", source: "promo" });
      await call("/v1/accounts/user:alice/grants", { amount: "10", unit: "goal_generation", source: "promo" });
      await call("/v1/accounts/user:bob/grants", { amount: "50", source: "promo" });
      await modelCall("user:bob", 20_000, 0); // 40.00
      // 8 hours ago: yesterday in UTC, today in Los Angeles.
      now = new Date(T0.getTime() - 8 * HOUR_MS);
      await modelCall("user:alice", 10_000, 1_000); // 26.00
      now = T0;
      await modelCall("user:alice", 10_000, 1_000); // 26.00
      await call("/v1/charges", { account: "user:alice", feature: "generate_goal" }); // 3 goal_generation
      await call("/v1/charges", { account: "user:alice", amount: "4", reason: "a fixed fee" }); // no usage event
      await call("/v1/holds", { account: "user:bob", amount: "5" });
      await call("/v1/accounts/user:carol/grants", { amount: "1", source: "promo" });
      await call("/v1/charges", { account: "user:carol", amount: "1", reason: "the last credit" }); // depleted
    });
    after(async () => {
      await hooks?.close();
      await api?.close();
    });

    test("credits outstanding and active holds per unit", async () => {
      const { status, body } = await overview();
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.now, T0.toISOString());
      assert.deepEqual(body.outstanding, [
        // alice 100 − 26 − 26 − 4, bob 50 − 40, carol 0
        { unit: "credits", accounts: 3, balance: "54.00", held: "5.00", debt: "0.00" },
        { unit: "goal_generation", accounts: 1, balance: "7", held: "0", debt: "0" },
      ]);
      assert.deepEqual(body.activeHolds, [{ unit: "credits", holds: 1, amount: "5.00" }]);
    });

    test("usage, provider cost and margin today and over 30 days, per unit", async () => {
      const { body } = await overview();
      const goal = { unit: "goal_generation", events: 1, failedEvents: 0, charged: "3" };
      const goalUsd = { providerCostUsd: "0", chargedUsd: null, marginUsd: null };
      assert.equal(body.today.from, "2031-03-01T00:00:00.000Z");
      assert.deepEqual(body.today.units, [
        {
          unit: "credits",
          events: 1,
          failedEvents: 0,
          charged: "26.00",
          providerCostUsd: "0.13",
          chargedUsd: "0.26",
          marginUsd: "0.13",
        },
        { ...goal, ...goalUsd },
      ]);
      assert.equal(body.last30Days.from, new Date(T0.getTime() - 720 * HOUR_MS).toISOString());
      assert.deepEqual(body.last30Days.units, [
        {
          unit: "credits",
          events: 2,
          failedEvents: 0,
          charged: "52.00",
          providerCostUsd: "0.26",
          chargedUsd: "0.52",
          marginUsd: "0.26",
        },
        { ...goal, ...goalUsd },
      ]);
    });

    test("today begins where the asked time zone says", async () => {
      const { body } = await overview("?timeZone=America/Los_Angeles");
      assert.equal(body.today.from, "2031-02-28T08:00:00.000Z");
      assert.deepEqual(
        body.today.units.map((row) => [row.unit, row.events, row.charged]),
        [
          ["credits", 2, "52.00"],
          ["goal_generation", 1, "3"],
        ],
      );
    });

    test("a delivery retrying, then failed, counts as failing until a replay of it gets through", async () => {
      assert.deepEqual((await overview()).body.webhooks, { failedDeliveries: 0, retryingDeliveries: 0, endpoints: [] });
      const retrying = Webhooks.of(api.ledger, { retryPolicy: { maxAttempts: 2 } });
      assert.deepEqual(await dispatchDueWebhooks(retrying, { logger: quiet }), { claimed: 1, succeeded: 0 });
      const waiting = (await overview()).body.webhooks;
      assert.deepEqual([waiting.failedDeliveries, waiting.retryingDeliveries], [0, 1]);
      assert.deepEqual(
        waiting.endpoints.map((endpoint) => [endpoint.failedDeliveries, endpoint.retryingDeliveries]),
        [[0, 1]],
      );
      // Past its retry time, the second attempt fails too, and for good.
      now = new Date(T0.getTime() + HOUR_MS);
      assert.deepEqual(await dispatchDueWebhooks(dispatcher, { logger: quiet }), { claimed: 1, succeeded: 0 });
      const failing = (await overview()).body.webhooks;
      assert.deepEqual([failing.failedDeliveries, failing.retryingDeliveries], [1, 0]);
      assert.deepEqual(
        failing.endpoints.map((endpoint) => [
          endpoint.failedDeliveries,
          endpoint.retryingDeliveries,
          endpoint.lastError,
        ]),
        [[1, 0, "HTTP 500"]],
      );
      const [failed] = (await dispatcher.listDeliveries({ status: "failed", limit: 1, before: null })).items;
      const replay = await api.call("POST", `/v1/webhook-deliveries/${failed?.deliveryId}/replay`, undefined, {
        token: admin,
      });
      assert.equal(replay.status, 200, JSON.stringify(replay.body));
      assert.deepEqual(await dispatchDueWebhooks(dispatcher, { logger: quiet }), { claimed: 1, succeeded: 1 });
      assert.deepEqual((await overview()).body.webhooks, { failedDeliveries: 0, retryingDeliveries: 0, endpoints: [] });
    });

    test("only an admin key reads it; a bad time zone is refused", async () => {
      const refused = await api.call<ErrorAnswer>("GET", "/v1/overview");
      assert.deepEqual([refused.status, refused.body.error.code], [403, "forbidden"]);
      const bad = await overview("?timeZone=Mars/Olympus");
      assert.deepEqual([bad.status, (bad.body as unknown as ErrorAnswer).error.code], [400, "invalid_request"]);
      const unknown = await overview("?days=7");
      assert.equal(unknown.status, 400);
    });
  });
}
