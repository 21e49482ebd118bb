import { API_KEY_CACHE_TTL_MS, ApiKeys } from "@tollgate/store";
import type { Command } from "commander";
import { CliError, EXIT, invalidInput } from "../cli-error.ts";
import { contextOf, withLedger } from "../context.ts";
import { KEY_ID, keyJson } from "./keys-list.ts";

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
      await withLedger(context, async (ledger) => {
        const result = await new ApiKeys(ledger.sql).revoke(keyId);
        if (result.code === "not_found") {
          throw new CliError(
            "key_not_found",
            `no key ${keyId}; list them with \`tollgate keys list --include-revoked\``,
            EXIT.failed,
          );
        }
        const { key } = result;
        const alreadyRevoked = result.code === "already_revoked";
        context.output.result({ ...keyJson(key), alreadyRevoked }, () => [
          alreadyRevoked
            ? `already revoked: ${key.keyId} (${key.kind}, ${key.hint}) at ${key.revokedAt?.toISOString()}`
            : `revoked: ${key.keyId} (${key.kind}, ${key.hint})`,
          ...(alreadyRevoked
            ? []
            : [`servers listening on this database refuse it now; any other within ${API_KEY_CACHE_TTL_MS / 1000} s`]),
        ]);
      });
    });
}
