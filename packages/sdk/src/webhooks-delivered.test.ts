// End to end: an endpoint registered through the SDK, a balance emptied through the SDK, the
// server's own dispatcher delivering the webhook over real HTTP, and a receiving app checking it
// with @tollgate/sdk/webhooks alone. On both databases.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { dispatchDueWebhooks } from "@tollgate/server";
import { Webhooks } from "@tollgate/store";
import { testDatabases } from "@tollgate/store/testing";
import { createTollgateClient } from "./index.ts";
import { openSdkTestServer, type SdkTestServer } from "./sdk-test-server.ts";
import { constructWebhookEvent, type TollgateWebhookEvent, WebhookSignatureError } from "./webhooks.ts";

const quiet = { info() {}, warn() {}, error() {} };

for (const database of await testDatabases()) {
  describe(`a delivered webhook verified by the SDK on ${database.name}`, () => {
    let server: SdkTestServer;
    let secret = "";
    const verified: TollgateWebhookEvent[] = [];
    const refused: string[] = [];
    // The receiving app: the raw body, the header, the endpoint's secret; 204 or 400.
    const receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        try {
          verified.push(
            constructWebhookEvent({
              payload: Buffer.concat(chunks),
              header: request.headers["tollgate-signature"] as string | undefined,
              secret,
            }),
          );
          response.writeHead(204).end();
        } catch (error) {
          if (!(error instanceof WebhookSignatureError)) throw error;
          refused.push(error.code);
          response.writeHead(400).end(error.code);
        }
      });
    });
    before(async () => {
      server = await openSdkTestServer(database);
      receiver.listen(0, "127.0.0.1");
      await once(receiver, "listening");
    });
    after(async () => {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await server.close();
    });

    test("balance.depleted arrives signed and verifies; under another secret it is refused", async () => {
      const tollgate = createTollgateClient({ baseUrl: server.baseUrl, secretKey: server.secret, maxRetries: 0 });
      const { port } = receiver.address() as AddressInfo;
      const endpoint = await tollgate.webhooks.create({
        url: `http://127.0.0.1:${port}/hooks`,
        eventTypes: ["balance.depleted"],
      });
      secret = endpoint.secret ?? "";
      await tollgate.grants.create("user:alice", { amount: "5", source: "promo" });
      await tollgate.charges.create({ account: "user:alice", amount: "5", reason: "the last of it" });

      const webhooks = Webhooks.of(server.ledger);
      assert.deepEqual(await dispatchDueWebhooks(webhooks, { logger: quiet }), { claimed: 1, succeeded: 1 });
      assert.deepEqual(
        verified.map((event) => event.type),
        ["balance.depleted"],
      );
      assert.deepEqual(refused, []);

      // The same kind of delivery checked against a secret that is not the endpoint's.
      secret = `whsec_${"Z".repeat(43)}`;
      await tollgate.grants.create("user:bob", { amount: "5", source: "promo" });
      await tollgate.charges.create({ account: "user:bob", amount: "5", reason: "the last of it" });
      assert.deepEqual(await dispatchDueWebhooks(webhooks, { logger: quiet }), { claimed: 1, succeeded: 0 });
      assert.deepEqual(refused, ["no_matching_signature"]);
    });
  });
}
