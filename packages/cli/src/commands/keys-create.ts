import type { Command } from "commander";
import {
  type AccountOptions,
  accountLabel,
  accountParamOf,
  namesAccount,
  withAccountOptions,
} from "../account-options.ts";
import { withApi } from "../api-client.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { expiryOf, idempotencyKeyOf } from "../write-options.ts";
import { type KeyJson, keyKindOf } from "./keys-list.ts";

interface KeysCreateOptions extends AccountOptions {
  kind: string;
  admin?: boolean;
  name?: string;
  expiresIn?: string;
  expiresAt?: string;
}

/** The longest name a key may have (the API's limit). */
const KEY_NAME_LENGTH_MAX = 100;
const CONTROL_CHARACTER = /\p{Cc}/u;

export function registerKeysCreate(keys: Command): void {
  withAccountOptions(
    keys
      .command("create")
      .description("create a key and print its token, once: Tollgate keeps only a hash of it")
      .requiredOption("--kind <kind>", "secret (the app's backend, every account) or customer (one account)")
      .option("--admin", "with --kind secret: an admin key, which may also manage secret keys and run reconcile")
      .option("--name <label>", `a label for people (at most ${KEY_NAME_LENGTH_MAX} characters)`)
      .option("--expires-in <duration>", "expire after this long: 1h, 30d, …")
      .option("--expires-at <time>", "expire at this ISO 8601 time"),
  ).action(async (options: KeysCreateOptions, command: Command) => {
    const context = contextOf(command);
    const kind = keyKindOf(options.kind);
    const name = nameOf(options.name);
    const accountGiven = namesAccount(options);
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
    if (kind === "customer" && options.admin) throw invalidInput("--admin goes with --kind secret only");
    const account = kind === "customer" ? accountParamOf(options) : undefined;
    // --expires-in goes as it is (the server reads the duration); --expires-at as whole seconds from now.
    const asked = expiryOf(options, new Date()); // refuses both at once, and a bad or past time
    const expiresAt = options.expiresIn === undefined ? asked : null;
    const expiresInSeconds =
      expiresAt === null ? undefined : Math.max(60, Math.round((expiresAt.getTime() - Date.now()) / 1000));
    await withApi(context, async (api) => {
      const created = await api.request<KeyJson & { token: string }>("POST", "/v1/keys", {
        idempotencyKey: idempotencyKeyOf(undefined, "keys-create"),
        body: {
          kind,
          account,
          admin: options.admin === true ? true : undefined,
          name: name ?? undefined,
          // A customer token always expires (a day unless asked); a secret key never, unless asked.
          expiresInSeconds,
          expiresIn: options.expiresIn,
        },
      });
      // On stderr too, so it is seen when stdout goes to a file or a pipe.
      context.output.progress("store this token now: it is shown only once, and Tollgate keeps only its hash");
      const label = created.admin ? "admin key" : kind === "secret" ? "secret key" : "customer token";
      context.output.result(created, () => [
        `created ${label} ${created.id}${name ? ` "${name}"` : ""}`,
        ...(created.account ? [`acts as ${accountLabel(created.account)}`] : []),
        `expires ${created.expiresAt ?? "never"}`,
        `token: ${created.token}`,
      ]);
    });
  });
}

function nameOf(text: string | undefined): string | null {
  if (text === undefined) return null;
  const name = text.trim();
  if (name.length === 0 || name.length > KEY_NAME_LENGTH_MAX || CONTROL_CHARACTER.test(name)) {
    throw invalidInput(`--name must be 1 to ${KEY_NAME_LENGTH_MAX} printable characters`);
  }
  return name;
}
