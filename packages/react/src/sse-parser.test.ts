import assert from "node:assert/strict";
import { test } from "node:test";
import { createSseParser } from "./sse-parser.ts";

test("parses events across chunks, joins data lines, drops comments", () => {
  const parser = createSseParser();
  assert.deepEqual(parser.push(": heartbeat\n\nevent: bal"), []);
  assert.deepEqual(parser.push("ance\nid: 7\ndata: [1,\ndata: 2]\r"), []);
  assert.deepEqual(parser.push("\n\r\n"), [{ event: "balance", id: "7", data: "[1,\n2]" }]);
  assert.deepEqual(parser.push("data:x\n\n"), [{ event: "message", id: "7", data: "x" }]);
});

test("an event without data is not dispatched", () => {
  assert.deepEqual(createSseParser().push("event: balance\n\n"), []);
});
