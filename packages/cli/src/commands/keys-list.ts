import { API_KEYS_PAGE_MAX, type ApiKeyInfo, type ApiKeyKind, ApiKeys } from "@tollgate/store";
import type { Command } from "commander";
import { type AccountOptions, accountRefOf, findAccount, withAccountOptions } from "../account-options.ts";
import { parseLimit } from "../amounts.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf, withLedger } from "../context.ts";
import { table } from "../output.ts";

interface KeysListOptions extends AccountOptions {
  kind?: string;
  includeRevoked?: boolean;
  limit?: string;
  after?: string;
}

export function registerKeysList(keys: Command): void {
  withAccountOptions(
    keys
      .command("list")
      .description("keys in creation order: id, kind, hint, name, account, times; never a token")
      .option("--kind <kind>", "only secret keys or only customer tokens")
      .option("--include-revoked", "list revoked keys too")
      .option("--limit <n>", `keys per page (default 50, at most ${API_KEYS_PAGE_MAX})`)
      .option("--after <cursor>", "the cursor printed by the previous page"),
  ).action(async (options: KeysListOptions, command: Command) => {
    const context = contextOf(command);
    const kind = options.kind === undefined ? undefined : keyKindOf(options.kind);
    const limit = parseLimit(options.limit, { fallback: 50, max: API_KEYS_PAGE_MAX });
    if (options.after !== undefined && !KEY_ID.test(options.after)) {
      throw invalidInput(`--after must be the cursor a previous page printed (key_…); got "${options.after}"`);
    }
    const filtered = options.account ?? options.type ?? options.externalId;
    const ref = filtered === undefined ? null : accountRefOf(options);
    await withLedger(context, async (ledger) => {
      const accountId = ref ? (await findAccount(ledger, ref)).accountId : undefined;
      const page = await new ApiKeys(ledger.sql).list({
        ...(kind ? { kind } : {}),
        ...(accountId ? { accountId } : {}),
        includeRevoked: options.includeRevoked === true,
        limit,
        after: options.after ?? null,
      });
      const now = ledger.now();
      const next = page.nextCursor
        ? [
            `tollgate keys list --limit ${limit}`,
            ...(kind ? [`--kind ${kind}`] : []),
            ...(options.includeRevoked ? ["--include-revoked"] : []),
            ...(accountId ? [`--account ${accountId}`] : []),
            `--after ${page.nextCursor}`,
          ].join(" ")
        : null;
      context.output.result({ keys: page.keys.map(keyJson), nextCursor: page.nextCursor }, () => [
        ...(page.keys.length === 0
          ? [`no ${options.includeRevoked ? "" : "active "}keys; create one with \`tollgate keys create\``]
          : table([
              ["key", "kind", "hint", "name", "account", "created", "last used", "status"],
              ...page.keys.map((key) => [
                key.keyId,
                key.kind,
                key.hint,
                key.name ?? "-",
                key.account ? `${key.account.type} ${key.account.externalId}` : "all",
                key.createdAt.toISOString(),
                key.lastUsedAt?.toISOString() ?? "never",
                keyStatus(key, now),
              ]),
            ])),
        ...(next ? ["", `next page: ${next}`] : []),
      ]);
    });
  });
}

export const KEY_ID = /^key_[0-9a-f]{32}$/;

export function keyKindOf(text: string): ApiKeyKind {
  if (text !== "secret" && text !== "customer") {
    throw invalidInput(`--kind must be secret (the app's backend) or customer (one account); got "${text}"`);
  }
  return text;
}

/** A key as the CLI prints it with --json: never the token, never its hash. */
export function keyJson(key: ApiKeyInfo) {
  return {
    keyId: key.keyId,
    kind: key.kind,
    name: key.name,
    hint: key.hint,
    account: key.account ? { ...key.account } : null,
    expiresAt: key.expiresAt?.toISOString() ?? null,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

/** "active", "active until …", "expired …" or "revoked …". */
export function keyStatus(key: ApiKeyInfo, now: Date): string {
  if (key.revokedAt) return `revoked ${key.revokedAt.toISOString()}`;
  if (!key.expiresAt) return "active";
  return key.expiresAt <= now
    ? `expired ${key.expiresAt.toISOString()}`
    : `active until ${key.expiresAt.toISOString()}`;
}
