import { API_KEY_NAME_LENGTH_MAX, ApiKeys } from "@tollgate/store";
import type { Command } from "commander";
import {
  type AccountOptions,
  accountLabel,
  accountRefOf,
  findAccount,
  withAccountOptions,
} from "../account-options.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf, withLedger } from "../context.ts";
import { expiryOf } from "../write-options.ts";
import { keyJson, keyKindOf } from "./keys-list.ts";

interface KeysCreateOptions extends AccountOptions {
  kind: string;
  name?: string;
  expiresIn?: string;
  expiresAt?: string;
}

const CONTROL_CHARACTER = /\p{Cc}/u;

export function registerKeysCreate(keys: Command): void {
  withAccountOptions(
    keys
      .command("create")
      .description("create a key and print its token, once: Tollgate keeps only a hash of it")
      .requiredOption("--kind <kind>", "secret (the app's backend, every account) or customer (one account)")
      .option("--name <label>", `a label for people (at most ${API_KEY_NAME_LENGTH_MAX} characters)`)
      .option("--expires-in <duration>", "expire after this long: 1h, 30d, …")
      .option("--expires-at <time>", "expire at this ISO 8601 time"),
  ).action(async (options: KeysCreateOptions, command: Command) => {
    const context = contextOf(command);
    const kind = keyKindOf(options.kind);
    const name = nameOf(options.name);
    const accountGiven = (options.account ?? options.type ?? options.externalId) !== undefined;
    if (kind === "secret" && accountGiven) {
      throw invalidInput(
        "a secret key acts for every account: --account, --type and --external-id go with --kind customer",
      );
    }
    if (kind === "customer" && !accountGiven) {
      throw invalidInput(
        "--kind customer needs the account it acts as: --account acct_… or --type user --external-id <id>",
      );
    }
    const ref = kind === "customer" ? accountRefOf(options) : null;
    const now = new Date();
    const expiresAt = expiryOf(options, now);
    await withLedger(context, async (ledger) => {
      // The account must exist: creating one here would make a signup grant as a side effect.
      const account = ref ? await findAccount(ledger, ref) : null;
      const { key, token } = await new ApiKeys(ledger.sql).create({
        kind,
        name,
        accountId: account?.accountId ?? null,
        expiresAt,
        now,
      });
      // On stderr too, so it is seen when stdout goes to a file or a pipe.
      context.output.progress("store this token now: it is shown only once, and Tollgate keeps only its hash");
      context.output.result({ ...keyJson(key), token }, () => [
        `created ${kind === "secret" ? "secret key" : "customer token"} ${key.keyId}${name ? ` "${name}"` : ""}`,
        ...(account ? [`acts as ${accountLabel(account)}`] : []),
        `expires ${key.expiresAt?.toISOString() ?? "never"}`,
        `token: ${token}`,
      ]);
    });
  });
}

function nameOf(text: string | undefined): string | null {
  if (text === undefined) return null;
  const name = text.trim();
  if (name.length === 0 || name.length > API_KEY_NAME_LENGTH_MAX || CONTROL_CHARACTER.test(name)) {
    throw invalidInput(`--name must be 1 to ${API_KEY_NAME_LENGTH_MAX} printable characters`);
  }
  return name;
}
