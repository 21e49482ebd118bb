import type { Command } from "commander";
import { registerPacksGrant } from "./packs-grant.ts";
import { registerPacksList } from "./packs-list.ts";

export function registerPacks(program: Command): void {
  const packs = program
    .command("packs")
    .description("packs: the configured list, and granting one the app sold itself (payment taken outside Stripe)");
  registerPacksList(packs);
  registerPacksGrant(packs);
}
