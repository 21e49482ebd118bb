import { ACCOUNT_TYPES, type AccountType, externalIdProblem } from "@tollgate/core";
import type { Command } from "commander";
import { invalidInput } from "./cli-error.ts";

export interface AccountOptions {
  account?: string;
  type?: string;
  externalId?: string;
}

/** An account as the HTTP API answers it (`GET /v1/accounts/{account}`). */
export interface AccountJson {
  id: string;
  type: string;
  externalId: string;
  createdAt: string;
}

/** An account is named by Tollgate's id, or by its type and the app's own id. */
export function withAccountOptions(command: Command): Command {
  return command
    .option("--account <id>", "the account's Tollgate id (acct_…)")
    .option("--type <type>", `account type with --external-id: ${ACCOUNT_TYPES.join(", ")}`)
    .option("--external-id <id>", "the app's own id for the account, with --type");
}

/** Whether the command line names an account at all (for commands where it is optional). */
export function namesAccount(options: AccountOptions): boolean {
  return (options.account ?? options.type ?? options.externalId) !== undefined;
}

/**
 * The account as the HTTP API names it: `acct_…`, or `type:externalId`.
 *
 * @example
 * accountParamOf({ type: "user", externalId: "alice" }) // "user:alice"
 */
export function accountParamOf(options: AccountOptions): string {
  if (options.account !== undefined) {
    if (options.type !== undefined || options.externalId !== undefined) {
      throw invalidInput("name the account either by --account or by --type and --external-id, not both");
    }
    if (!/^acct_[0-9a-f]{32}$/.test(options.account)) {
      throw invalidInput(`--account must be an account id such as acct_0193…; got "${options.account}"`);
    }
    return options.account;
  }
  if (options.type === undefined || options.externalId === undefined) {
    throw invalidInput("name the account: --account acct_… or --type user --external-id <your id>");
  }
  return `${accountTypeOf(options.type)}:${externalIdOf(options.externalId)}`;
}

/** `/v1/accounts/{account}` and what follows it, the account escaped for a path segment. */
export function accountPath(options: AccountOptions, rest = ""): string {
  return `/v1/accounts/${encodeURIComponent(accountParamOf(options))}${rest}`;
}

export function accountTypeOf(text: string): AccountType {
  if (!(ACCOUNT_TYPES as readonly string[]).includes(text)) {
    throw invalidInput(`--type must be one of ${ACCOUNT_TYPES.join(", ")}; got "${text}"`);
  }
  return text as AccountType;
}

export function externalIdOf(text: string): string {
  const problem = externalIdProblem(text);
  if (problem !== null) throw invalidInput(`--external-id ${problem}`);
  return text;
}

export function accountLabel(account: Pick<AccountJson, "id" | "type" | "externalId">): string {
  return `${account.id} (${account.type} ${account.externalId})`;
}
