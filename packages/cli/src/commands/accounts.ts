import type { Command } from "commander";
import { registerAccountsCreate } from "./accounts-create.ts";
import { registerAccountsList } from "./accounts-list.ts";
import { registerAccountsShow } from "./accounts-show.ts";

export function registerAccounts(program: Command): void {
  const accounts = program.command("accounts").description("list, create and show accounts");
  registerAccountsList(accounts);
  registerAccountsCreate(accounts);
  registerAccountsShow(accounts);
}
