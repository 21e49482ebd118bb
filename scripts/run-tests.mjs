#!/usr/bin/env node
// Runs every *.test.ts beside the code and in test/ with node's test runner (through tsx).
// PostgreSQL: TOLLGATE_TEST_DATABASE_URL, or the local server if it answers; see
// packages/store/src/testing/test-databases.ts. Arguments narrow the files: `npm test -- store`.
// It builds dist/ first: the end-to-end suites run the compiled `tollgate` command, and they
// must run the code as it is now. At the end it names the ten slowest files.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "./build.mjs";

const roots = ["packages", "test", "bench"];
const skip = new Set(["node_modules", ".tollgate", "dist"]);
function find(dir, found = []) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) find(path, found);
    else if (entry.name.endsWith(".test.ts")) found.push(path);
  }
  return found;
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((root) => find(root))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(1);
}
await build({ log: (message) => process.stderr.write(`# ${message}\n`) });
const reporters = ["spec", "./scripts/slowest-files-reporter.mjs"].flatMap((reporter) => [
  `--test-reporter=${reporter}`,
  "--test-reporter-destination=stdout",
]);
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", ...reporters, "--test-concurrency=2", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
