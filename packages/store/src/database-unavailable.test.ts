import assert from "node:assert/strict";
import { test } from "node:test";
import { isDatabaseUnavailable } from "./database-unavailable.ts";

const withCode = (code: string, message = "") => Object.assign(new Error(message), { code });

test("connection failures are the database being unavailable; a statement's own errors are not", () => {
  const rows: Array<[string, unknown, boolean]> = [
    [
      "terminated by an administrator (57P01)",
      withCode("57P01", "terminating connection due to administrator command"),
      true,
    ],
    ["crash shutdown (57P02)", withCode("57P02"), true],
    ["starting up (57P03)", withCode("57P03", "the database system is starting up"), true],
    ["too many connections (53300)", withCode("53300"), true],
    ["connection exception class 08", withCode("08006"), true],
    ["refused", withCode("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"), true],
    ["reset", withCode("ECONNRESET", "read ECONNRESET"), true],
    ["a socket closed mid-query", new Error("Connection terminated unexpectedly"), true],
    ["a client that already failed", new Error("Client has encountered a connection error and is not queryable"), true],
    ["the connect timeout", new Error("timeout exceeded when trying to connect"), true],
    ["refused on every address", new AggregateError([withCode("ECONNREFUSED")]), true],
    ["wrapped as a cause", new Error("connect failed", { cause: withCode("ECONNREFUSED") }), true],
    ["a unique violation (23505)", withCode("23505", "duplicate key value"), false],
    ["a syntax error (42601)", withCode("42601"), false],
    ["a serialization failure (40001)", withCode("40001"), false],
    ["a programmer error", new RangeError("amountMinor must be positive"), false],
    ["not an error", "ECONNREFUSED", false],
    ["nothing", undefined, false],
  ];
  for (const [name, error, expected] of rows) assert.equal(isDatabaseUnavailable(error), expected, name);
});
