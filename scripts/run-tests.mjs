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
// The end-to-end suites in test/ and bench/ take longest (minutes, where most files take
// seconds): started first, they run beside the short ones; started last, as a sorted list
// would, one ran alone for minutes at the end with the second core idle.
const files = ["test", "bench", "packages"].flatMap((root) =>
  find(root)
    .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
    .sort(),
);
if (files.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(1);
}
await build({ log: (message) => process.stderr.write(`# ${message}\n`) });
const runner = new URL("run-test-files.mjs", import.meta.url).pathname;
// --liftoff-only: PGlite's WebAssembly as V8's baseline compiler makes it, as the one-shot
// commands run it (packages/cli/bin/tollgate.js). A test process that opens PGlite for a few
// seconds spent about as much CPU again optimizing it (ledger.test.ts: 2.5 s → 1.2 s); the
// minutes-long suites come out even. Every test process inherits the flag.
const result = spawnSync(process.execPath, ["--liftoff-only", "--import", "tsx", runner, ...files], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
