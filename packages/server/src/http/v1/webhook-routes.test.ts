// Webhook endpoints, events, deliveries, replays and balance.low thresholds over /v1 on both
// databases: the signing secret shown once, validation as the store's, pages, and what the
// CLI's --json shows for each.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { ApiKeys, WEBHOOK_EVENT_TYPES } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";

interface EndpointJson {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  disabledAt: string | null;
  secret?: string | null;
}
interface ErrorJson {
  error: { code: string; message: string; details: { reason?: string; fields?: Array<{ field: string }> } };
}

const config = defineLedgerConfig({
  units: [
    { unit: "credits", scale: 0 },
    { unit: "usd", scale: 2 },
  ],
});

for (const database of await testDatabases()) {
  describe(`/v1 webhooks on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let app: ReturnType<typeof createApp>;
    let secret = "";
    let sequence = 0;

    before(async () => {
      ledger = await openTestLedger(database, { config, lowBalanceThresholdsDefault: { credits: 5n } });
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      secret = (await keys.create({ kind: "secret", name: "backend" })).token;
      app = createApp({ ledger, meter, keys });
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    const call = async (method: "GET" | "POST", path: string, body?: unknown, key?: string) => {
      const response = await app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${secret}`,
          ...(method === "POST"
            ? { "content-type": "application/json", "idempotency-key": key ?? `k-${++sequence}` }
            : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json()) as never, headers: response.headers };
    };
    const create = async (body: object) => {
      const { status, json } = await call("POST", "/v1/webhook-endpoints", body);
      assert.equal(status, 200, JSON.stringify(json));
      return json as EndpointJson;
    };
    /** A grant of 10, then a charge of all of it: one balance.depleted event. */
    const deplete = async (externalId: string) => {
      const account = `user:${externalId}`;
      assert.equal(
        (await call("POST", `/v1/accounts/${account}/grants`, { amount: "10", source: "promo" })).status,
        200,
      );
      assert.equal((await call("POST", "/v1/charges", { account, amount: "10" })).status, 200);
      const { json } = await call("GET", `/v1/webhook-events?account=${account}&type=balance.depleted`);
      return (json as { data: Array<{ id: string }> }).data[0]?.id ?? "";
    };
    const fieldsOf = (json: unknown) => (json as ErrorJson).error.details.fields?.map((f) => f.field);

    test("create shows the signing secret once; a replay answers the endpoint without it", async () => {
      const body = { url: "https://app.example.com/hooks", eventTypes: ["balance.low"], description: "billing" };
      const first = await call("POST", "/v1/webhook-endpoints", body, "create-1");
      assert.equal(first.status, 200);
      const created = first.json as EndpointJson;
      assert.match(created.id, /^we_[0-9a-f]{32}$/);
      assert.match(created.secret ?? "", /^whsec_/);
      assert.deepEqual(
        [created.url, created.eventTypes, created.description, created.enabled, created.disabledAt],
        ["https://app.example.com/hooks", ["balance.low"], "billing", true, null],
      );
      const again = await call("POST", "/v1/webhook-endpoints", body, "create-1");
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      assert.deepEqual(again.json, { ...created, secret: null });
      const fetched = await call("GET", `/v1/webhook-endpoints/${created.id}`);
      const { secret: _, ...shown } = created;
      assert.deepEqual(fetched.json, shown);
      assert.equal(JSON.stringify(fetched.json).includes("whsec_"), false);
    });

    test("a URL, an event type or a description the store would refuse is a 400 naming the field", async () => {
      for (const [body, field] of [
        [{ url: "ftp://x.example" }, "url"],
        [{ url: "https://user:pw@x.example" }, "url"],
        [{ url: "https://x.example/#frag" }, "url"],
        [{ url: "not a url" }, "url"],
        [{ url: `https://x.example/${"a".repeat(2048)}` }, "url"],
        [{ url: "https://x.example", eventTypes: ["balance.lowish"] }, "eventTypes.0"],
        [{ url: "https://x.example", description: "" }, "description"],
        [{ url: "https://x.example", description: "tab\there" }, "description"],
        [{}, "url"],
      ] as const) {
        const { status, json } = await call("POST", "/v1/webhook-endpoints", body);
        assert.equal(status, 400, JSON.stringify(body));
        assert.ok(fieldsOf(json)?.includes(field), `${JSON.stringify(body)}: ${JSON.stringify(json)}`);
      }
      const lowish = await call("POST", "/v1/webhook-endpoints", { url: "https://x.example", eventTypes: ["x.y"] });
      assert.equal(
        (lowish.json as ErrorJson).error.message,
        `eventTypes.0: "x.y" is not an event type; the types are ${WEBHOOK_EVENT_TYPES.join(", ")}`,
        "the refusal names every type",
      );
      const unknown = await call("POST", "/v1/webhook-endpoints", { url: "https://x.example", secret: "mine" });
      assert.equal(unknown.status, 400);
      assert.match(JSON.stringify(unknown.json), /secret/);
    });

    test("list pages in creation order; disabled endpoints only when asked for", async () => {
      const a = await create({ url: "https://a.example/h" });
      const b = await create({ url: "https://b.example/h" });
      await call("POST", `/v1/webhook-endpoints/${a.id}/disable`);
      const enabled = (await call("GET", "/v1/webhook-endpoints?limit=500")).json as { data: EndpointJson[] };
      assert.ok(enabled.data.some((endpoint) => endpoint.id === b.id));
      assert.ok(!enabled.data.some((endpoint) => endpoint.id === a.id));
      const all = (await call("GET", "/v1/webhook-endpoints?includeDisabled=true&limit=500")).json as {
        data: EndpointJson[];
      };
      assert.ok(all.data.some((endpoint) => endpoint.id === a.id && !endpoint.enabled));
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `includeDisabled=true&limit=1${cursor ? `&after=${cursor}` : ""}`;
        const page = (await call("GET", `/v1/webhook-endpoints?${query}`)).json as {
          data: EndpointJson[];
          nextCursor: string | null;
        };
        ids.push(...page.data.map((endpoint) => endpoint.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(
        ids,
        all.data.map((endpoint) => endpoint.id),
      );
      assert.equal((await call("GET", "/v1/webhook-endpoints?after=we_1")).status, 400);
      assert.equal((await call("GET", "/v1/webhook-endpoints?secret=true")).status, 400);
      assert.equal((await call("GET", `/v1/webhook-endpoints/we_${"0".repeat(32)}`)).status, 404);
      assert.equal((await call("GET", "/v1/webhook-endpoints/we_nope")).status, 400);
    });

    test("update changes what it names; a disabled endpoint is refused; disable twice is harmless", async () => {
      const endpoint = await create({ url: "https://c.example/h", description: "c" });
      const retyped = await call("POST", `/v1/webhook-endpoints/${endpoint.id}`, {
        eventTypes: ["grant.expired", "balance.low"],
      });
      assert.equal(retyped.status, 200);
      assert.deepEqual((retyped.json as EndpointJson).eventTypes, ["grant.expired", "balance.low"]);
      const moved = await call("POST", `/v1/webhook-endpoints/${endpoint.id}`, {
        url: "https://d.example/h",
        description: null,
      });
      assert.deepEqual(
        [(moved.json as EndpointJson).url, (moved.json as EndpointJson).description],
        ["https://d.example/h", null],
      );
      assert.equal((await call("POST", `/v1/webhook-endpoints/${endpoint.id}`, {})).status, 400);
      const bad = await call("POST", `/v1/webhook-endpoints/${endpoint.id}`, { url: "ftp://x" });
      assert.deepEqual(fieldsOf(bad.json), ["url"]);
      const unknown = await call("POST", `/v1/webhook-endpoints/${endpoint.id}`, { enabled: true });
      assert.equal(unknown.status, 400, "enabling is not an update: disabling is for good");
      assert.equal(
        ((await call("GET", `/v1/webhook-endpoints/${endpoint.id}`)).json as EndpointJson).url,
        "https://d.example/h",
      );

      const disabled = await call("POST", `/v1/webhook-endpoints/${endpoint.id}/disable`);
      assert.equal(disabled.status, 200);
      const disabledJson = disabled.json as EndpointJson & { alreadyDisabled: boolean; pendingFailed: number };
      assert.deepEqual(
        [disabledJson.enabled, disabledJson.alreadyDisabled, disabledJson.pendingFailed],
        [false, false, 0],
      );
      assert.ok(disabledJson.disabledAt);
      const twice = (await call("POST", `/v1/webhook-endpoints/${endpoint.id}/disable`)).json as {
        alreadyDisabled: boolean;
      };
      assert.equal(twice.alreadyDisabled, true);
      const refused = await call("POST", `/v1/webhook-endpoints/${endpoint.id}`, { description: "again" });
      assert.equal(refused.status, 400);
      assert.equal((refused.json as ErrorJson).error.details.reason, "endpoint_disabled");
      assert.equal((await call("POST", `/v1/webhook-endpoints/we_${"0".repeat(32)}/disable`)).status, 404);
    });

    test("events and deliveries page with their filters; a delivery shows its log; replays queue new deliveries", async () => {
      const enabled = (await call("GET", "/v1/webhook-endpoints?limit=500")).json as { data: EndpointJson[] };
      for (const other of enabled.data) await call("POST", `/v1/webhook-endpoints/${other.id}/disable`);
      const endpoint = await create({ url: "http://127.0.0.1:9/hooks", eventTypes: ["balance.depleted"] });
      const eventId = await deplete("drained");
      assert.match(eventId, /^evt_/);
      const event = (await call("GET", `/v1/webhook-events/${eventId}`)).json as {
        type: string;
        accountId: string;
        data: { unit: string };
      };
      assert.deepEqual([event.type, event.data.unit], ["balance.depleted", "credits"]);
      const unknownAccount = (await call("GET", "/v1/webhook-events?account=user:nobody")).json as { data: unknown[] };
      assert.deepEqual(unknownAccount.data, []);
      const lowish = await call("GET", "/v1/webhook-events?type=balance.lowish");
      assert.equal(lowish.status, 400);
      assert.match((lowish.json as ErrorJson).error.message, /^type: "balance.lowish" is not an event type; the types/);

      const deliveries = (await call("GET", `/v1/webhook-deliveries?event=${eventId}&endpoint=${endpoint.id}`))
        .json as { data: Array<{ id: string; status: string; attempts: number; lastError: string | null }> };
      assert.deepEqual(
        deliveries.data.map((d) => [d.status, d.attempts, d.lastError]),
        [["pending", 0, null]],
      );
      const deliveryId = deliveries.data[0]?.id ?? "";
      const shown = (await call("GET", `/v1/webhook-deliveries/${deliveryId}`)).json as {
        eventId: string;
        log: unknown[];
      };
      assert.deepEqual([shown.eventId, shown.log], [eventId, []]);
      assert.equal((await call("GET", "/v1/webhook-deliveries?status=lost")).status, 400);
      assert.equal((await call("GET", `/v1/webhook-deliveries/wd_${"0".repeat(32)}`)).status, 404);

      const byDelivery = await call("POST", `/v1/webhook-deliveries/${deliveryId}/replay`);
      assert.equal(byDelivery.status, 200);
      const [replayId] = (byDelivery.json as { deliveryIds: string[] }).deliveryIds;
      const replay = (await call("GET", `/v1/webhook-deliveries/${replayId}`)).json as { replayOf: string };
      assert.equal(replay.replayOf, deliveryId);
      const byEvent = (await call("POST", `/v1/webhook-events/${eventId}/replay`)).json as { deliveryIds: string[] };
      assert.equal(byEvent.deliveryIds.length, 1);
      const pending = (await call("GET", `/v1/webhook-deliveries?endpoint=${endpoint.id}&status=pending&limit=2`))
        .json as { data: unknown[]; nextCursor: string | null };
      assert.equal(pending.data.length, 2);
      const older = (await call("GET", `/v1/webhook-deliveries?endpoint=${endpoint.id}&after=${pending.nextCursor}`))
        .json as { data: Array<{ id: string }> };
      assert.deepEqual(
        older.data.map((d) => d.id),
        [deliveryId],
      );

      const disabled = (await call("POST", `/v1/webhook-endpoints/${endpoint.id}/disable`)).json as {
        pendingFailed: number;
      };
      assert.equal(disabled.pendingFailed, 3);
      const failed = (await call("GET", `/v1/webhook-deliveries/${deliveryId}`)).json as { lastError: string };
      assert.equal(failed.lastError, "endpoint disabled");
      const noEndpoint = await call("POST", `/v1/webhook-deliveries/${deliveryId}/replay`);
      assert.equal(noEndpoint.status, 400);
      assert.equal((noEndpoint.json as ErrorJson).error.details.reason, "no_endpoint");
      assert.equal((await call("POST", `/v1/webhook-events/evt_${"0".repeat(32)}/replay`)).status, 404);
      assert.equal((await call("POST", "/v1/webhook-events/wd_1/replay")).status, 400);
    });

    test("balance.low thresholds: the account's own, the default, cleared, turned off; in the unit's decimals", async () => {
      await call("POST", "/v1/accounts", { type: "user", externalId: "watched" });
      const path = "/v1/accounts/user:watched/low-balance-thresholds";
      const initial = (await call("GET", path)).json as { accountId: string; thresholds: unknown[] };
      assert.match(initial.accountId, /^acct_/);
      assert.deepEqual(initial.thresholds, [
        { unit: "credits", account: null, default: "5", effective: "5", off: false },
      ]);
      const set = await call("POST", path, { unit: "usd", below: "2.50" });
      assert.equal(set.status, 200);
      assert.deepEqual((set.json as { thresholds: unknown[] }).thresholds, [
        { unit: "credits", account: null, default: "5", effective: "5", off: false },
        { unit: "usd", account: "2.50", default: null, effective: "2.50", off: false },
      ]);
      const off = (await call("POST", path, { below: "0" })).json as { thresholds: Array<{ off: boolean }> };
      assert.equal(off.thresholds[0]?.off, true);
      const cleared = (await call("POST", path, { unit: "usd", below: null })).json as { thresholds: unknown[] };
      assert.deepEqual(cleared.thresholds, [
        { unit: "credits", account: "0", default: "5", effective: "0", off: true },
      ]);
      for (const body of [{ unit: "usd", below: "1.234" }, { unit: "gold", below: "1" }, { below: "-1" }, {}]) {
        assert.equal((await call("POST", path, body)).status, 400, JSON.stringify(body));
      }
      assert.equal((await call("POST", path, { below: "9999999999999999999" })).status, 400);
      assert.equal((await call("GET", "/v1/accounts/user:nobody/low-balance-thresholds")).status, 404);
      assert.equal((await call("POST", "/v1/accounts/user:nobody/low-balance-thresholds", { below: "1" })).status, 404);
    });
  });
}
