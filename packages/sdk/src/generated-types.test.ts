// The drift check: the checked-in types must be what the server's document generates now, so a
// route or schema changed without `npm run sdk:generate` fails here (and in CI) instead of
// shipping an SDK that types a different API.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { GENERATED_TYPES_PATH, generateTypes } from "../scripts/generate-types.ts";

test("src/generated/openapi.ts is what `npm run sdk:generate` writes from the server's document", async () => {
  const checkedIn = await readFile(GENERATED_TYPES_PATH, "utf8");
  const fresh = await generateTypes();
  assert.ok(
    checkedIn === fresh,
    "packages/sdk/src/generated/openapi.ts is stale: run `npm run sdk:generate` and commit the result",
  );
  assert.match(fresh, /"\/v1\/holds\/\{hold\}\/settle"/);
});
