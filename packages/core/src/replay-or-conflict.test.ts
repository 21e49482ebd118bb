import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { replayOrConflict } from "./replay-or-conflict.ts";
import { type Result, succeed } from "./result-codes.ts";

const first = succeed({ transactionId: "txn_1", amountMinor: 25n });

describe("replayOrConflict", () => {
  const rows: Array<{ name: string; stored: string; request: string; expected: Result<unknown>; decodes: number }> = [
    {
      name: "the same request replays the first result",
      stored: "h1",
      request: "h1",
      expected: { ...first, replayed: true },
      decodes: 1,
    },
    {
      name: "a different request under the same key conflicts",
      stored: "h1",
      request: "h2",
      expected: {
        ok: false,
        code: "idempotency_conflict",
        details: { message: "this idempotency key was used with a different request" },
      },
      decodes: 0,
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      let decodes = 0;
      const result = replayOrConflict(
        {
          requestHash: row.stored,
          result: () => {
            decodes++;
            return first;
          },
        },
        row.request,
      );
      assert.deepEqual(result, row.expected);
      assert.equal(decodes, row.decodes, "the stored result is decoded only to be replayed");
    });
  }

  test("a replay is a copy: the stored result is not marked", () => {
    const stored = succeed({ amountMinor: 1n });
    replayOrConflict({ requestHash: "h", result: () => stored }, "h");
    assert.equal(stored.replayed, false);
  });
});
