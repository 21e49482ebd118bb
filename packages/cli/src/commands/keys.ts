import type { Command } from "commander";
import { registerKeysCreate } from "./keys-create.ts";
import { registerKeysList } from "./keys-list.ts";
import { registerKeysRevoke } from "./keys-revoke.ts";

export function registerKeys(program: Command): void {
  const keys = program
    .command("keys")
    .description("API keys: secret keys for the app's backend, customer tokens scoped to one account");
  registerKeysList(keys);
  registerKeysCreate(keys);
  registerKeysRevoke(keys);
}
