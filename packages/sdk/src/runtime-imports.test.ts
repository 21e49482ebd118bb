// The SDK runs in apps, browsers and edge functions: its runtime files import no server, store
// or database code (types only), so installing it pulls in no database driver.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { test } from "node:test";

const TEST_ONLY = new Set(["sdk-test-server.ts"]);
const ALLOWED = [/^\.\.?\//, /^openapi-fetch$/, /^node:crypto$/];

test("the SDK's runtime files import only each other, openapi-fetch and node:crypto", async () => {
  const directory = new URL("./", import.meta.url);
  const files = (await readdir(directory, { recursive: true })).filter(
    (file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !TEST_ONLY.has(file),
  );
  const offending: string[] = [];
  for (const file of files) {
    const source = await readFile(new URL(file, directory), "utf8");
    // `import type` vanishes at runtime; every other import or re-export is what the app loads.
    for (const [, specifier] of source.matchAll(/^(?:import|export)(?!\s+type\b)[^"';]*?from\s+"([^"]+)"/gm)) {
      if (specifier && !ALLOWED.some((allowed) => allowed.test(specifier))) offending.push(`${file}: ${specifier}`);
    }
  }
  assert.deepEqual(offending, []);
  assert.ok(files.length >= 5);
});
