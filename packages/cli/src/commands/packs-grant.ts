import type { Command } from "commander";
import { type AccountOptions, accountParamOf, accountPath, withAccountOptions } from "../account-options.ts";
import { withApi } from "../api-client.ts";
import { CliError, EXIT, invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { idempotencyKeyOf } from "../write-options.ts";

interface PacksGrantOptions extends AccountOptions {
  pack: string;
  idempotencyKey?: string;
}

/** `POST /v1/accounts/{account}/packs`'s answer. */
interface PackGrantJson {
  packId: string;
  transactionId: string;
  lotId: string;
  unit: string;
  amount: string;
  expiresAt: string | null;
  balance: string;
  available: string;
}

export function registerPacksGrant(packs: Command): void {
  withAccountOptions(
    packs
      .command("grant")
      .description("grant a pack the app sold itself: its lot (amount plus bonus), once per idempotency key"),
  )
    .requiredOption("--pack <id>", "the pack's id in the configuration (see `tollgate packs list`)")
    .option("--idempotency-key <key>", "the order's id makes a retry safe (default: a generated key, printed)")
    .action(async (options: PacksGrantOptions, command: Command) => {
      const context = contextOf(command);
      const account = accountParamOf(options);
      if (!/^[a-z0-9_-]{1,64}$/.test(options.pack)) {
        throw invalidInput(`--pack must be a pack id (lowercase letters, digits, _ and -); got "${options.pack}"`);
      }
      if (account.startsWith("guest:")) {
        // Refused here, before the ledger would create the guest account on the way to refusing it.
        throw new CliError("guest_cannot_purchase", "guests receive free allowances only", EXIT.failed);
      }
      const idempotencyKey = idempotencyKeyOf(options.idempotencyKey, "pack");
      await withApi(context, async (api) => {
        const { body: granted, replayed } = await api.send<PackGrantJson>("POST", accountPath(options, "/packs"), {
          idempotencyKey,
          body: { pack: options.pack },
        });
        context.output.result({ account, ...granted, idempotencyKey, replayed }, () => [
          `${replayed ? "already granted (replayed; nothing changed)" : "granted"} pack ${granted.packId}: ${granted.amount} ${granted.unit} to ${account}`,
          `  lot ${granted.lotId}, transaction ${granted.transactionId}, ${granted.expiresAt ? `expires ${granted.expiresAt}` : "no expiry"}`,
          `  balance ${granted.balance}, available ${granted.available}`,
          `  idempotency key: ${idempotencyKey}`,
        ]);
      });
    });
}
