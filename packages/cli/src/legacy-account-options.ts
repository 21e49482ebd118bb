import { ACCOUNT_TYPES, type Account, type AccountRef, type AccountType } from "@tollgate/core";
import type { Ledger } from "@tollgate/store";
import type { Command } from "commander";
import { CliError, EXIT, invalidInput } from "./cli-error.ts";

export interface AccountOptions {
  account?: string;
  type?: string;
  externalId?: string;
}

/** An account is named by Tollgate's id, or by its type and the app's own id. */
export function withAccountOptions(command: Command): Command {
  return command
    .option("--account <id>", "the account's Tollgate id (acct_…)")
    .option("--type <type>", `account type with --external-id: ${ACCOUNT_TYPES.join(", ")}`)
    .option("--external-id <id>", "the app's own id for the account, with --type");
}

export function accountRefOf(options: AccountOptions): AccountRef {
  if (options.account !== undefined) {
    if (options.type !== undefined || options.externalId !== undefined) {
      throw invalidInput("name the account either by --account or by --type and --external-id, not both");
    }
    if (!/^acct_[0-9a-f]{32}$/.test(options.account)) {
      throw invalidInput(`--account must be an account id such as acct_0193…; got "${options.account}"`);
    }
    return { accountId: options.account };
  }
  if (options.type === undefined || options.externalId === undefined) {
    throw invalidInput("name the account: --account acct_… or --type user --external-id <your id>");
  }
  return { type: accountTypeOf(options.type), externalId: externalIdOf(options.externalId) };
}

export function accountTypeOf(text: string): AccountType {
  if (!(ACCOUNT_TYPES as readonly string[]).includes(text)) {
    throw invalidInput(`--type must be one of ${ACCOUNT_TYPES.join(", ")}; got "${text}"`);
  }
  return text as AccountType;
}

function externalIdOf(text: string): string {
  if (text.length === 0 || text.length > 256) throw invalidInput("--external-id must be 1 to 256 characters");
  return text;
}

/** The existing account, or a not-found error; reading never creates an account. */
export async function findAccount(ledger: Ledger, ref: AccountRef): Promise<Account> {
  const account = await ledger.accounts.find(ref);
  if (account) return account;
  const named = "accountId" in ref ? ref.accountId : `${ref.type} "${ref.externalId}"`;
  throw new CliError(
    "account_not_found",
    `no account ${named}; create it with \`tollgate accounts create\``,
    EXIT.failed,
  );
}

export function accountLabel(account: Account): string {
  return `${account.accountId} (${account.type} ${account.externalId})`;
}

export function accountJson(account: Account) {
  return {
    accountId: account.accountId,
    type: account.type,
    externalId: account.externalId,
    overdraftLimitMinor: account.overdraftLimitMinor.toString(),
    createdAt: account.createdAt.toISOString(),
  };
}
