// The SDK against the real app: no socket, the app's own request handler as fetch.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createTollgateClient, TollgateError } from "@tollgate/sdk";
import { createApp } from "@tollgate/server";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";

test("the SDK reads health and readiness, and turns error answers into TollgateError", async () => {
  const [pglite] = await testDatabases();
  assert.ok(pglite);
  const ledger = await openTestLedger(pglite);
  const app = createApp({ ledger });
  const client = createTollgateClient({
    baseUrl: "http://tollgate.test",
    fetch: (url, init) => app.request(url, init),
  });
  assert.deepEqual(await client.health(), { status: "ok" });
  assert.equal((await client.ready()).status, "ready");

  await ledger.dispose();
  const error = await client.ready().then(
    () => null,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof TollgateError, String(error));
  assert.equal(error.status, 503);
  assert.ok(error.requestId, "the request id comes back for support");
});
