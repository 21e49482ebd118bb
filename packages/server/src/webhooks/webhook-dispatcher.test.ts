import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, afterEach, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { Webhooks } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import type { Logger } from "../logger.ts";
import { dispatchDueWebhooks, startWebhookDispatcher } from "./webhook-dispatcher.ts";
import { verifyWebhookSignature } from "./webhook-signature.ts";

const config = defineLedgerConfig({ units: [{ unit: "credits", scale: 2 }], defaultUnit: "credits" });
const T0 = new Date("2031-03-01T00:00:00.000Z");
const quiet: Logger = { info() {}, warn() {}, error() {} };

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real receiving app: answers each path from a script, and records what it got. */
async function receiver(script: Record<string, Array<number | "hang" | "redirect">>) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "";
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      const next = script[path]?.shift() ?? 200;
      if (next === "hang") return;
      if (next === "redirect") {
        response.writeHead(302, { location: "/ok" }).end();
        return;
      }
      response
        .writeHead(next, { "content-type": "text/plain" })
        .end(next >= 300 ? `boom ${"!".repeat(3000)}` : "thanks");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

for (const database of await testDatabases()) {
  describe(`webhook dispatcher on ${database.name}`, () => {
    let now = T0;
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let webhooks: Webhooks;
    let app: Awaited<ReturnType<typeof receiver>>;
    const script: Record<string, Array<number | "hang" | "redirect">> = {};
    let key = 0;
    const deplete = async (externalId: string) => {
      const account = { type: "user" as const, externalId };
      await ledger.grant({ account, amountMinor: 250n, source: "promo", idempotencyKey: `g${key++}` });
      await ledger.charge({ account, amountMinor: 250n, idempotencyKey: `c${key++}` });
      const accountId = (await ledger.accounts.findId(account)) ?? "";
      return (await webhooks.listEvents({ accountId, limit: 1 })).items[0]?.eventId ?? "";
    };
    const endpoint = async (path: string) => webhooks.createEndpoint({ url: `${app.url}${path}` });
    before(async () => {
      ledger = await openTestLedger(database, { config, clock: () => now });
      webhooks = Webhooks.of(ledger, { retryPolicy: { maxAttempts: 3 }, random: () => 0.5 });
      app = await receiver(script);
    });
    afterEach(async () => {
      for (const { endpointId } of await webhooks.listEndpoints()) await webhooks.disableEndpoint(endpointId);
      app.received.length = 0;
    });
    after(async () => {
      await app.close();
      await ledger.dispose();
    });

    test("a delivery arrives signed, and the app verifies it on the raw body", async () => {
      const { secret } = await endpoint("/ok");
      const eventId = await deplete("delivered");
      assert.deepEqual(await dispatchDueWebhooks(webhooks, { logger: quiet }), { claimed: 1, succeeded: 1 });
      const [request] = app.received;
      assert.ok(request);
      assert.doesNotThrow(() =>
        verifyWebhookSignature({
          payload: request.body,
          header: request.headers["tollgate-signature"] as string,
          secret,
          now,
        }),
      );
      assert.deepEqual(
        [request.headers["tollgate-event-id"], request.headers["tollgate-event-type"], request.headers["user-agent"]],
        [eventId, "balance.depleted", "Tollgate-Webhooks/0.1"],
      );
      const body = JSON.parse(request.body);
      assert.deepEqual(Object.keys(body), ["id", "type", "createdAt", "data"]);
      assert.deepEqual(
        [body.id, body.type, body.createdAt, body.data.available],
        [eventId, "balance.depleted", T0.toISOString(), "0.00"],
      );
      const [delivery] = (await webhooks.listDeliveries({ eventId })).items;
      assert.deepEqual([delivery?.status, delivery?.attempts, delivery?.lastResponseStatus], ["succeeded", 1, 200]);
      assert.equal((await webhooks.getDelivery(delivery?.deliveryId ?? ""))?.log[0]?.responseBody, "thanks");
    });

    test("500 then 200: retried after the backoff on the injected clock", async () => {
      script["/flaky"] = [500, 200];
      await endpoint("/flaky");
      const eventId = await deplete("flaky");
      assert.deepEqual(await dispatchDueWebhooks(webhooks, { logger: quiet }), { claimed: 1, succeeded: 0 });
      const [pending] = (await webhooks.listDeliveries({ eventId })).items;
      assert.deepEqual([pending?.status, pending?.nextAttemptAt], ["pending", new Date(now.getTime() + 5000)]);
      assert.deepEqual(
        await dispatchDueWebhooks(webhooks, { logger: quiet }),
        { claimed: 0, succeeded: 0 },
        "not yet due",
      );
      now = new Date(now.getTime() + 5000);
      assert.deepEqual(await dispatchDueWebhooks(webhooks, { logger: quiet }), { claimed: 1, succeeded: 1 });
      const done = await webhooks.getDelivery(pending?.deliveryId ?? "");
      assert.deepEqual(
        done?.log.map((line) => [line.attempt, line.responseStatus, line.error, line.responseBody?.length]),
        [
          [1, 500, "HTTP 500", 1024],
          [2, 200, null, 6],
        ],
      );
      assert.equal(app.received[0]?.body, app.received[1]?.body, "the same bytes on every attempt");
    });

    test("failed after the last attempt; a replay delivers it", async () => {
      script["/down"] = [503, 503, 503];
      await endpoint("/down");
      const eventId = await deplete("down");
      for (let attempt = 1; attempt <= 3; attempt++) {
        await dispatchDueWebhooks(webhooks, { logger: quiet });
        now = new Date(now.getTime() + 3_600_000);
      }
      const [failed] = (await webhooks.listDeliveries({ eventId })).items;
      assert.deepEqual([failed?.status, failed?.attempts], ["failed", 3]);
      const replayed = await webhooks.replay(failed?.deliveryId ?? "");
      assert.equal(replayed.code, "replayed");
      assert.deepEqual(await dispatchDueWebhooks(webhooks, { logger: quiet }), { claimed: 1, succeeded: 1 });
      assert.equal(app.received.length, 4);
      assert.equal(JSON.parse(app.received[3]?.body ?? "{}").id, eventId, "the same event id: the app dedupes by it");
    });

    test("a redirect is not followed and a hung endpoint times out", async () => {
      script["/moved"] = ["redirect"];
      script["/hang"] = ["hang"];
      await endpoint("/moved");
      await endpoint("/hang");
      const eventId = await deplete("edges");
      // Long enough for the redirect to answer on a busy machine; the hung endpoint never does.
      assert.deepEqual(await dispatchDueWebhooks(webhooks, { logger: quiet, timeoutMs: 2000 }), {
        claimed: 2,
        succeeded: 0,
      });
      assert.deepEqual(
        app.received.map((request) => request.path).sort(),
        ["/hang", "/moved"],
        "the redirect's target was never called",
      );
      const errors = (await webhooks.listDeliveries({ eventId })).items.map((d) => [d.lastResponseStatus, d.lastError]);
      assert.deepEqual(
        errors.sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
        [
          [302, "HTTP 302 (redirects are not followed)"],
          [null, "timed out after 2000 ms"],
        ],
      );
    });

    test("the background dispatcher delivers, and stop() waits for it", async () => {
      const { secret } = await endpoint("/background");
      const logged: string[] = [];
      const logger: Logger = { info: (m) => logged.push(m), warn: (m) => logged.push(m), error: (m) => logged.push(m) };
      const dispatcher = startWebhookDispatcher(webhooks, { intervalMs: 20, logger });
      await deplete("background");
      for (let waited = 0; app.received.length === 0 && waited < 60_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await dispatcher.stop();
      assert.equal(app.received.length, 1);
      assert.equal(logged.join("\n").includes(secret), false, "the secret is never logged");
    });
  });
}
