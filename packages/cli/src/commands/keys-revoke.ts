import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { KEY_ID, type KeyJson } from "./keys-list.ts";

/** How long an instance that missed a revocation's notification may still accept the key. */
const KEY_CACHE_SECONDS = 30;

export function registerKeysRevoke(keys: Command): void {
  keys
    .command("revoke")
    .description("revoke a key for good; revoking it again changes nothing")
    .argument("<key_id>", "the key's id, key_… (from `tollgate keys list`), never its token")
    .action(async (keyId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      if (!KEY_ID.test(keyId)) {
        // Never echoed: what was typed here may be a token, and terminals and CI logs keep it.
        throw invalidInput(
          keyId.startsWith("tg_")
            ? "<key_id> is a token, not a key id; find its key_… id with `tollgate keys list` (the hint shows the token's last 4 characters)"
            : "<key_id> must be a key id, key_ followed by 32 hex digits (from `tollgate keys list`)",
        );
      }
      await withApi(context, async (api) => {
        const before = await api.request<KeyJson>("GET", `/v1/keys/${keyId}`);
        const key = await api.request<KeyJson>("POST", `/v1/keys/${keyId}/revoke`);
        const alreadyRevoked = before.revokedAt !== null;
        context.output.result({ ...key, alreadyRevoked }, () => [
          alreadyRevoked
            ? `already revoked: ${key.id} (${key.kind}, ${key.hint}) at ${key.revokedAt}`
            : `revoked: ${key.id} (${key.kind}, ${key.hint})`,
          ...(alreadyRevoked
            ? []
            : [`servers listening on this database refuse it now; any other within ${KEY_CACHE_SECONDS} s`]),
        ]);
      });
    });
}
