// Every operation of the OpenAPI document refuses a field it does not take: an unknown query
// parameter, and for a route with a JSON body an unknown body field, are 400 invalid_request
// naming the field in details.fields, and nothing is written. Derived from /openapi.json, so a
// route added later is covered the day it is added; its path parameters are filled with
// valid-looking values (by name, else from the parameter's schema), so the answer is about the
// unknown field and nothing else.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { assemble, baseParts, type FuzzContext, routeName } from "./http-fuzz/fuzz-request.ts";
import { type FuzzWorld, openFuzzWorld } from "./http-fuzz/fuzz-world.ts";
import { routesOf } from "./http-fuzz/openapi-routes.ts";
import { tableChecksums } from "./http-fuzz/table-checksums.ts";

/** A name no route takes (`success` would not do: a usage event takes it). */
const UNKNOWN_FIELD = "notAField";
/**
 * Path parameters by name, where the fuzz's values (its own, else the schema's example) would not
 * pass the parameter's pattern: ids in their formats, naming nothing (the handler never runs).
 */
const PATH_VALUES: Record<string, string> = {
  endpoint: `we_${"0".repeat(32)}`,
  event: `evt_${"0".repeat(32)}`,
  delivery: `wd_${"0".repeat(32)}`,
};
/** The one table a refused request may write to: the stored 400s, replayed on a retry. */
const REPLAY_TABLE = "http_idempotency_keys";

interface ErrorBody {
  error: { code: string; message: string; details: { fields?: Array<{ field: string; message: string }> } };
}

for (const database of await testDatabases()) {
  describe(`unknown fields on every route on ${database.name}`, () => {
    let world: FuzzWorld;
    before(async () => {
      world = await openFuzzWorld(database);
    });
    after(() => world.close());

    test("every operation refuses an unknown query parameter and an unknown body field, naming it; nothing is written", async () => {
      const { app, ledger, tokens } = world;
      const routes = routesOf((await (await app.request("/openapi.json")).json()) as Parameters<typeof routesOf>[0]);
      // Each key is used once before the checksums (its last use is then recorded for a day).
      for (const token of [tokens.secret, tokens.alice, tokens.bob]) {
        await app.request("/v1/accounts/user:alice", { headers: { authorization: `Bearer ${token}` } });
      }
      const checksumsBefore = await tableChecksums(ledger.sql, ledger.schema);
      let keySequence = 0;
      const context: FuzzContext = {
        routes,
        tokens,
        aliceId: world.aliceId,
        holdId: world.holdId,
        settledHoldId: world.settledHoldId,
        random: () => 0,
        nextKey: () => `strict-${++keySequence}`,
      };
      const problems: string[] = [];
      let bodies = 0;
      for (const route of routes) {
        // baseParts gives a valid request with a fresh Idempotency-Key each time.
        const parts = () => {
          const valid = baseParts(route, context);
          for (const name of Object.keys(valid.pathValues)) {
            const value = PATH_VALUES[name];
            if (value !== undefined) valid.pathValues[name] = value;
          }
          return valid;
        };
        const requests = [
          { where: "query", request: assemble(route, { ...parts(), query: [[UNKNOWN_FIELD, "1"]] }, "unknown query") },
        ];
        if (route.body) {
          const valid = parts();
          const body = isObject(valid.body) ? { ...valid.body, [UNKNOWN_FIELD]: false } : { [UNKNOWN_FIELD]: false };
          requests.push({ where: "body", request: assemble(route, { ...valid, body }, "unknown body field") });
          bodies++;
        }
        for (const { where, request } of requests) {
          const response = await app.request(request.path, {
            method: request.method,
            headers: request.headers,
            ...(request.body === undefined ? {} : { body: request.body }),
          });
          const text = await response.text();
          const error = response.status === 400 ? (JSON.parse(text) as ErrorBody).error : null;
          const named = error?.details.fields?.some(
            (field) => field.field === UNKNOWN_FIELD && field.message === "unknown field",
          );
          if (error?.code !== "invalid_request" || !named || !error.message.includes(UNKNOWN_FIELD)) {
            problems.push(
              `${routeName(route)} with an unknown ${where} field: ${response.status} ${text.slice(0, 300)}`,
            );
          }
        }
      }
      assert.deepEqual(problems, []);
      assert.ok(routes.length >= 20 && bodies >= 10, `${routes.length} routes, ${bodies} with a body`);
      const checksumsAfter = await tableChecksums(ledger.sql, ledger.schema);
      delete checksumsBefore[REPLAY_TABLE];
      delete checksumsAfter[REPLAY_TABLE];
      assert.deepEqual(checksumsAfter, checksumsBefore, "nothing but the stored 400s was written");
    });

    test("unknown fields nested in a body are named by their path, every one of them", async () => {
      const response = await world.app.request("/v1/usage-events", {
        method: "POST",
        headers: {
          authorization: `Bearer ${world.tokens.secret}`,
          "content-type": "application/json",
          "idempotency-key": "strict-nested",
        },
        body: JSON.stringify({
          account: "user:alice",
          provider: "openai",
          model: "gpt-4o",
          usage: { inputTokens: 10, cachedTokens: 5 },
          sucess: true,
        }),
      });
      assert.equal(response.status, 400);
      const { error } = (await response.json()) as ErrorBody;
      assert.equal(error.code, "invalid_request");
      assert.deepEqual(error.details.fields, [
        { field: "usage.cachedTokens", message: "unknown field" },
        { field: "sucess", message: "unknown field" },
      ]);
      assert.match(error.message, /usage\.cachedTokens, sucess/);
    });
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
