import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ERROR_STATUS } from "./api-error.ts";
import { PUBLIC_CODE } from "./v1/ledger-failure.ts";

const page = readFileSync(new URL("../../../../docs/reference/errors.md", import.meta.url), "utf8");

test("docs/reference/errors.md lists every public error code with its status", () => {
  for (const [code, status] of Object.entries(ERROR_STATUS)) {
    assert.match(page, new RegExp(`^\\| \`${code}\` \\| ${status} \\|`, "m"), `${code} (${status}) is in the table`);
  }
});

test("docs/reference/errors.md lists no code that does not exist", () => {
  const listed = [...page.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((match) => match[1]);
  assert.deepEqual(listed.sort(), Object.keys(ERROR_STATUS).sort());
});

test("docs/reference/errors.md maps every ledger and meter result code to the public code the API answers", () => {
  const section = page.slice(page.indexOf("## Ledger and meter result codes"));
  for (const [reason, code] of Object.entries(PUBLIC_CODE)) {
    const row = section.split("\n").find((line) => line.startsWith("|") && line.includes(`\`${reason}\``));
    assert.ok(row, `${reason} has a row`);
    assert.match(row, new RegExp(`\\| \`${code}\` \\|`), `${reason} is answered ${code}`);
  }
});
