// `npm run sdk:generate`: writes src/generated/openapi.ts from the server's document.
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { GENERATED_TYPES_PATH, generateTypes } from "./generate-types.ts";

await writeFile(GENERATED_TYPES_PATH, await generateTypes());
console.log(`wrote ${fileURLToPath(GENERATED_TYPES_PATH)}`);
