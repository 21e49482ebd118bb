import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { CONFIG_SCHEMA_PATH, configJsonSchemaText } from "./json-schema.ts";

const ROOT = new URL("../../../../", import.meta.url);
const EXAMPLES = new URL("docs/operating/examples/", ROOT);

test("the checked-in JSON Schema is the one the zod schema gives", () => {
  // Compared as JSON, not as text: the formatter may lay the checked-in file out its own way.
  const checkedIn = JSON.parse(readFileSync(new URL(CONFIG_SCHEMA_PATH, ROOT), "utf8"));
  assert.ok(
    isDeepStrictEqual(checkedIn, JSON.parse(configJsonSchemaText())),
    `${CONFIG_SCHEMA_PATH} is stale: run \`npm run config-schema\` and commit the result`,
  );
});

test("every example points editors at the schema", () => {
  for (const name of readdirSync(fileURLToPath(EXAMPLES)).filter((file) => file.endsWith(".json"))) {
    const example = JSON.parse(readFileSync(new URL(name, EXAMPLES), "utf8"));
    assert.equal(example.$schema, "../../reference/tollgate.config.schema.json", name);
  }
});

test("the schema closes every object and shows the plans' short forms", () => {
  const schema = JSON.parse(configJsonSchemaText());
  assert.equal(schema.additionalProperties, false);
  const plan = schema.properties.plans.additionalProperties;
  assert.deepEqual(plan.required, ["name", "period"]);
  assert.equal(plan.additionalProperties, false);
  assert.equal(plan.properties.period.anyOf.length, 2, '"month" or { "every": "month", ... }');
});
