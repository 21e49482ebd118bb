import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "./create-app.ts";
import { ApiError } from "./http/api-error.ts";
import { createJsonLogger } from "./logger.ts";

for (const database of await testDatabases()) {
  describe(`app on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    const lines: string[] = [];
    const logger = createJsonLogger({ write: (line: string) => lines.push(line) });
    before(async () => {
      ledger = await openTestLedger(database);
    });
    after(() => ledger.dispose());

    test("/healthz says the process is up and /readyz that the database answers", async () => {
      const app = createApp({ ledger, logger });
      const health = await app.request("/healthz");
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: "ok" });
      const ready = await app.request("/readyz");
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: "ready" });
    });

    test("an unknown route is a not_found error with the request id", async () => {
      const response = await createApp({ ledger }).request("/nope", { headers: { "X-Request-Id": "req-123" } });
      assert.equal(response.status, 404);
      assert.equal(response.headers.get("x-request-id"), "req-123");
      assert.deepEqual(await response.json(), {
        error: { code: "not_found", message: "No route for GET /nope.", details: {}, requestId: "req-123" },
      });
    });

    test("a RangeError that reaches the handler is a programmer error: 500 internal, logged with its cause", async () => {
      // Every route checks its input at the edge (its schema, or a 400 naming the field), so a
      // RangeError from the domain that gets this far is a check the route is missing.
      const app = createApp({ ledger, logger });
      app.get("/bad", () => {
        throw new RangeError("usage.reasoningTokens (5) exceed usage.outputTokens (1)");
      });
      const response = await app.request("/bad");
      assert.equal(response.status, 500);
      const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
      assert.equal(body.error.code, "internal");
      assert.doesNotMatch(body.error.message, /reasoningTokens/);
      const logged = lines
        .map((line) => JSON.parse(line))
        .find((entry) => entry.message === "request failed" && entry.requestId === body.error.requestId);
      assert.match(logged?.error.message, /reasoningTokens/);
    });

    test("an ApiError keeps its code, status and public details", async () => {
      const app = createApp({ ledger });
      app.get("/poor", () => {
        throw new ApiError("insufficient_credits", "Not enough credits.", {
          requiredMinor: "50",
          availableMinor: "10",
        });
      });
      const response = await app.request("/poor");
      assert.equal(response.status, 402);
      const body = (await response.json()) as {
        error: { code: string; details: Record<string, unknown>; requestId: unknown };
      };
      assert.equal(body.error.code, "insufficient_credits");
      assert.equal(body.error.details.requiredMinor, "50");
      assert.equal(typeof body.error.requestId, "string");
    });

    test("an unexpected error answers internal and leaks nothing; the log keeps the cause", async () => {
      const app = createApp({ ledger, logger });
      app.get("/boom", () => {
        throw new Error("relation secret_table does not exist at postgres://user:pw@host");
      });
      const response = await app.request("/boom");
      assert.equal(response.status, 500);
      const text = await response.text();
      assert.ok(!text.includes("secret_table") && !text.includes("pw@"), text);
      const body = JSON.parse(text) as { error: { code: string; requestId: string } };
      assert.equal(body.error.code, "internal");
      const logged = lines
        .map((line) => JSON.parse(line))
        .find((entry) => entry.message === "request failed" && entry.requestId === body.error.requestId);
      assert.match(logged?.error.message, /secret_table/);
    });

    test("/readyz answers 503 when the database does not", async () => {
      const closed = await openTestLedger(database);
      await closed.dispose();
      const response = await createApp({ ledger: closed, logger }).request("/readyz");
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), { status: "unavailable" });
    });
  });
}
