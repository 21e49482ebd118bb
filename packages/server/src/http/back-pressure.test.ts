// Back-pressure at the HTTP edge: a write the ledger's full lanes refuse is 503 `unavailable`
// with Retry-After, through the API and in each provider's format through the proxy; the
// request had no effect and its Idempotency-Key is free for the retry. Counted, never timed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CommitLaneFull } from "@tollgate/store";
import { testPostgres } from "@tollgate/store/testing";
import { Hono } from "hono";
import { SILENT_LOGGER } from "../logger.ts";
import { anthropicErrorFormat } from "../proxy/anthropic-error.ts";
import { openAIErrorFormat } from "../proxy/openai-error.ts";
import { proxyErrorOf, retryAfterSecondsOf } from "../proxy/proxy-error.ts";
import { gate, until } from "../proxy/until.ts";
import { errorHandler, LEDGER_RETRY_AFTER_SECONDS } from "./error-handler.ts";
import { openTestApi } from "./v1/test-api.ts";

test("CommitLaneFull is answered 503 unavailable, reason ledger_queue_full, with Retry-After", async () => {
  const app = new Hono();
  app.onError(errorHandler(SILENT_LOGGER));
  app.post("/write", () => {
    throw new CommitLaneFull(1024);
  });
  const response = await app.request("/write", { method: "POST" });
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("retry-after"), String(LEDGER_RETRY_AFTER_SECONDS));
  const { error } = (await response.json()) as { error: { code: string; details: Record<string, unknown> } };
  assert.equal(error.code, "unavailable");
  assert.deepEqual(error.details, {
    reason: "ledger_queue_full",
    queueMax: 1024,
    retryAfterSeconds: LEDGER_RETRY_AFTER_SECONDS,
  });
});

test("the proxy answers CommitLaneFull 503 in the provider's format, with Retry-After", async () => {
  const refusal = proxyErrorOf(new CommitLaneFull(8));
  assert.equal(refusal.status, 503);
  assert.equal(refusal.code, "unavailable");
  assert.equal(retryAfterSecondsOf(new CommitLaneFull(8)), LEDGER_RETRY_AFTER_SECONDS);
  const openAI = openAIErrorFormat(refusal);
  assert.equal(openAI.status, 503);
  assert.equal(((await openAI.json()) as { error: { code: string } }).error.code, "unavailable");
  const anthropic = anthropicErrorFormat(refusal);
  assert.equal(anthropic.status, 503);
  const body = (await anthropic.json()) as { type: string; error: { details?: { error_code?: string } } };
  assert.equal(body.type, "error");
  assert.equal(body.error.details?.error_code, "unavailable");
});

// The whole app on PostgreSQL only: the batch is held on the account's row lock from another
// connection while the requests' own statements (keys, the Idempotency-Key) run on theirs.
// PGlite has one connection, so a held batch there would hold every request's statements too.
const postgres = await testPostgres();
describe("a charge through the API while the ledger's lanes are full", { skip: !postgres }, () => {
  test("is 503 with Retry-After, changes nothing, and its retry with the same key runs once", async () => {
    const api = await openTestApi(postgres as NonNullable<typeof postgres>, {
      lanes: { lanes: 1, batchSizeMax: 1, queueMax: 1 },
    });
    const { ledger } = api;
    try {
      const granted = await api.call("POST", "/v1/accounts/user:busy/grants", { amount: "100", source: "promo" });
      assert.equal(granted.status, 200, JSON.stringify(granted.body));
      const accountId = (await ledger.accounts.findId({ type: "user", externalId: "busy" })) as string;
      const held = gate();
      const locked = gate();
      let holder: Promise<void> | undefined;
      const answers: Array<Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>> = [];
      const charge = (key: string) => api.call("POST", "/v1/charges", { account: "user:busy", amount: "1" }, { key });
      let refused: { status: number; headers: Headers; body: Record<string, unknown> } | undefined;
      try {
        holder = ledger.sql.transaction(async (tx) => {
          await tx.query("select 1 from accounts where account_id = $1 for update", [accountId]);
          locked.open();
          await held.opened;
        });
        await locked.opened;
        answers.push(charge("first"));
        await until("the first charge's batch waits on the lock", () => ledger.writingOperations === 1);
        answers.push(charge("second"));
        await until("the second charge waits for a batch", () => ledger.pendingOperations === 1);
        refused = await charge("third");
      } finally {
        held.open();
        await holder;
      }
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.equal(refused.headers.get("retry-after"), String(LEDGER_RETRY_AFTER_SECONDS));
      const error = refused.body.error as { code: string; details: { reason: string } };
      assert.equal(error.code, "unavailable");
      assert.equal(error.details.reason, "ledger_queue_full");
      assert.deepEqual(
        (await Promise.all(answers)).map((answer) => answer.status),
        [200, 200],
      );
      const balance = async () => ((await ledger.getBalances({ accountId })) ?? [])[0]?.balanceMinor;
      assert.equal(await balance(), 98n);
      const retried = await charge("third");
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      assert.equal(retried.headers.get("idempotent-replayed"), null);
      assert.equal(await balance(), 97n);
    } finally {
      await api.close();
    }
  });
});
