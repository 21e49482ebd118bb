import * as z from "zod";
import { deploymentFileSchema } from "./deployment-schema.ts";

/** Where the checked-in schema lives, from the repository's root; examples point `$schema` at it. */
export const CONFIG_SCHEMA_PATH = "docs/reference/tollgate.config.schema.json";

/**
 * The configuration file's JSON Schema, for editors: the input side of the zod schema (what the
 * file is written as, before durations and amounts are read), every object closed to unknown keys.
 * What JSON Schema cannot say (an amount's decimals against its unit's scale, a unit or plan that
 * must be declared, a time zone Intl knows) is checked only when Tollgate reads the file.
 *
 * @example
 * writeFileSync(CONFIG_SCHEMA_PATH, configJsonSchemaText());
 */
export function configJsonSchemaText(): string {
  const schema = z.toJSONSchema(deploymentFileSchema, { io: "input", target: "draft-2020-12" });
  return `${JSON.stringify({ ...schema, title: "tollgate.config.json" }, null, 2)}\n`;
}
