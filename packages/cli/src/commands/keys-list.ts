import type { Command } from "commander";
import { type AccountOptions, accountParamOf, namesAccount, withAccountOptions } from "../account-options.ts";
import { parseLimit } from "../amounts.ts";
import { withApi } from "../api-client.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { table } from "../output.ts";

/** The most keys a page holds (the API's limit). */
const KEYS_PAGE_MAX = 500;

interface KeysListOptions extends AccountOptions {
  kind?: string;
  includeRevoked?: boolean;
  limit?: string;
  after?: string;
}

/** A key as `/v1/keys` answers it: never the token, never its hash. */
export interface KeyJson {
  id: string;
  kind: "secret" | "customer";
  admin: boolean;
  name: string | null;
  hint: string;
  account: { id: string; type: string; externalId: string } | null;
  expiresAt: string | null;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export function registerKeysList(keys: Command): void {
  withAccountOptions(
    keys
      .command("list")
      .description("keys in creation order: id, kind, hint, name, account, times; never a token")
      .option("--kind <kind>", "only secret keys or only customer tokens")
      .option("--include-revoked", "list revoked keys too")
      .option("--limit <n>", `keys per page (default 50, at most ${KEYS_PAGE_MAX})`)
      .option("--after <cursor>", "the cursor printed by the previous page"),
  ).action(async (options: KeysListOptions, command: Command) => {
    const context = contextOf(command);
    const kind = options.kind === undefined ? undefined : keyKindOf(options.kind);
    const limit = parseLimit(options.limit, { fallback: 50, max: KEYS_PAGE_MAX });
    if (options.after !== undefined && !KEY_ID.test(options.after)) {
      throw invalidInput(`--after must be the cursor a previous page printed (key_…); got "${options.after}"`);
    }
    const account = namesAccount(options) ? accountParamOf(options) : undefined;
    await withApi(context, async (api) => {
      const page = await api.request<{ data: KeyJson[]; nextCursor: string | null }>("GET", "/v1/keys", {
        query: {
          kind,
          account,
          includeRevoked: options.includeRevoked ? "true" : undefined,
          limit,
          after: options.after,
        },
      });
      const now = new Date();
      const next = page.nextCursor
        ? [
            `tollgate keys list --limit ${limit}`,
            ...(kind ? [`--kind ${kind}`] : []),
            ...(options.includeRevoked ? ["--include-revoked"] : []),
            ...(options.account ? [`--account ${options.account}`] : []),
            ...(options.type ? [`--type ${options.type} --external-id ${options.externalId}`] : []),
            `--after ${page.nextCursor}`,
          ].join(" ")
        : null;
      context.output.result({ keys: page.data, nextCursor: page.nextCursor }, () => [
        ...(page.data.length === 0
          ? [`no ${options.includeRevoked ? "" : "active "}keys; create one with \`tollgate keys create\``]
          : table([
              ["key", "kind", "hint", "name", "account", "created", "last used", "status"],
              ...page.data.map((key) => [
                key.id,
                key.admin ? "admin" : key.kind,
                key.hint,
                key.name ?? "-",
                key.account ? `${key.account.type} ${key.account.externalId}` : "all",
                key.createdAt,
                key.lastUsedAt ?? "never",
                keyStatus(key, now),
              ]),
            ])),
        ...(next ? ["", `next page: ${next}`] : []),
      ]);
    });
  });
}

export const KEY_ID = /^key_[0-9a-f]{32}$/;

export function keyKindOf(text: string): "secret" | "customer" {
  if (text !== "secret" && text !== "customer") {
    throw invalidInput(`--kind must be secret (the app's backend) or customer (one account); got "${text}"`);
  }
  return text;
}

/** "active", "active until …", "expired …" or "revoked …". */
export function keyStatus(key: KeyJson, now: Date): string {
  if (key.revokedAt) return `revoked ${key.revokedAt}`;
  if (!key.expiresAt) return "active";
  return Date.parse(key.expiresAt) <= now.getTime() ? `expired ${key.expiresAt}` : `active until ${key.expiresAt}`;
}
