// Regenerates docs/reference/tollgate.config.schema.json from the zod schema that validates the
// configuration file: `npm run config-schema`. A script, not a `tollgate` command: the schema is a
// checked-in artifact editors read by path from the repository, so it is made where the docs are
// made; the configuration test fails when the file is stale.
import { writeFileSync } from "node:fs";
import { CONFIG_SCHEMA_PATH, configJsonSchemaText } from "../packages/server/src/config/json-schema.ts";

writeFileSync(new URL(`../${CONFIG_SCHEMA_PATH}`, import.meta.url), configJsonSchemaText());
console.log(`wrote ${CONFIG_SCHEMA_PATH}`);
