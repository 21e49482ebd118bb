import assert from "node:assert/strict";
import { test } from "node:test";
import { createJsonLogger } from "./logger.ts";

const capture = () => {
  const lines: string[] = [];
  const logger = createJsonLogger({ write: (line: string) => lines.push(line) }, () => new Date(0));
  return { logger, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>), lines };
};

test("one JSON line per call with time, level and message; bigints as strings", () => {
  const { logger, lines, entries } = capture();
  logger.info("listening", { url: "http://127.0.0.1:8787", amountMinor: 12n });
  assert.equal(lines.length, 1);
  assert.ok(lines[0]?.endsWith("\n"));
  assert.deepEqual(entries()[0], {
    time: "1970-01-01T00:00:00.000Z",
    level: "info",
    message: "listening",
    url: "http://127.0.0.1:8787",
    amountMinor: "12",
  });
});

test("secret-looking fields are redacted at any depth; counts named like tokens are kept", () => {
  const { logger, entries } = capture();
  logger.warn("upstream refused", {
    headers: { Authorization: "Bearer tg_sk_abc", cookie: "session=1", "x-request-id": "r1" },
    nested: [{ webhookSecret: "whsec_1", password: "hunter2" }],
    usage: { inputTokens: 10 },
  });
  assert.deepEqual(entries()[0], {
    time: "1970-01-01T00:00:00.000Z",
    level: "warn",
    message: "upstream refused",
    headers: { Authorization: "[redacted]", cookie: "[redacted]", "x-request-id": "r1" },
    nested: [{ webhookSecret: "[redacted]", password: "[redacted]" }],
    usage: { inputTokens: 10 },
  });
});

test("tokens and passwords quoted in strings, messages, error messages, stacks and causes are masked", () => {
  const { logger, lines } = capture();
  const cause = new Error("auth failed for postgres://app:s3cret@db/prod");
  const error = new Error("key tg_sk_SECRETVALUE rejected", { cause });
  logger.error("request failed with tg_ct_OTHERSECRET", { error, note: ["whsec_HOOKSECRET"] });
  const line = lines[0] ?? "";
  for (const secret of ["SECRETVALUE", "OTHERSECRET", "HOOKSECRET", "s3cret"]) {
    assert.ok(!line.includes(secret), `${secret} in ${line}`);
  }
  const entry = JSON.parse(line);
  assert.equal(entry.message, "request failed with tg_ct_[redacted]");
  assert.equal(entry.error.message, "key tg_sk_[redacted] rejected");
  assert.match(entry.error.stack, /key tg_sk_\[redacted\] rejected/);
  assert.equal(entry.error.cause.message, "auth failed for postgres://app:[redacted]@db/prod");
});

test("fields that cannot be serialized still give a line, never an exception", () => {
  const { logger, entries } = capture();
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  logger.info("odd", { cyclic });
  const [entry] = entries();
  assert.equal(entry?.message, "odd");
  assert.match(String(entry?.logError), /could not be written/);
});
