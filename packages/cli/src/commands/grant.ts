import { GRANT_SOURCES, type GrantSource, PAID_SOURCES } from "@tollgate/core";
import type { Command } from "commander";
import { type AccountOptions, accountParamOf, accountPath, withAccountOptions } from "../account-options.ts";
import { withApi } from "../api-client.ts";
import { CliError, EXIT, invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { expiryOf, idempotencyKeyOf, priorityOf, requireReason } from "../write-options.ts";

interface GrantOptions extends AccountOptions {
  amount: string;
  unit?: string;
  source: string;
  priority?: string;
  expiresAt?: string;
  expiresIn?: string;
  reason?: string;
  idempotencyKey?: string;
}

/** `POST /v1/accounts/{account}/grants`'s answer. */
interface GrantJson {
  transactionId: string;
  lotId: string;
  unit: string;
  amount: string;
  balance: string;
  available: string;
}

export function registerGrant(program: Command): void {
  withAccountOptions(program.command("grant").description("add credits to an account (creates it on first use)"))
    .requiredOption("--amount <decimal>", "how much, in the unit's scale: 12.50 for usd, 100 for credits")
    .option("--unit <unit>", "the unit (default: the deployment's default unit)")
    .option("--source <source>", `where the credits come from: ${GRANT_SOURCES.join(", ")}`, "admin")
    .option("--priority <n>", "spend order, lower first (default: the source's configured priority)")
    .option("--expires-at <time>", "when the credits expire, ISO 8601 (default: never)")
    .option("--expires-in <duration>", "or how long until they expire: 30d, 12h, 15m")
    .option("--reason <text>", "why; required for admin grants")
    .option("--idempotency-key <key>", "makes a retry safe (default: a generated key, printed)")
    .action(async (options: GrantOptions, command: Command) => {
      const context = contextOf(command);
      const account = accountParamOf(options);
      if (!(GRANT_SOURCES as readonly string[]).includes(options.source)) {
        throw invalidInput(`--source must be one of ${GRANT_SOURCES.join(", ")}; got "${options.source}"`);
      }
      const source = options.source as GrantSource;
      if (account.startsWith("guest:") && PAID_SOURCES.has(source)) {
        // Refused here, before the ledger would create the guest account on the way to refusing it.
        throw new CliError("guest_cannot_purchase", "guests receive free allowances only", EXIT.failed);
      }
      const reason = source === "admin" ? requireReason(options.reason, "an admin grant") : options.reason;
      const priority = priorityOf(options.priority);
      const expiresAt = expiryOf(options, new Date());
      const idempotencyKey = idempotencyKeyOf(options.idempotencyKey, "grant");
      await withApi(context, async (api) => {
        const { body: granted, replayed } = await api.send<GrantJson>("POST", accountPath(options, "/grants"), {
          idempotencyKey,
          body: {
            amount: options.amount,
            unit: options.unit,
            source,
            priority,
            expiresAt: expiresAt?.toISOString(),
            reason,
          },
        });
        context.output.result(
          { account, ...granted, expiresAt: expiresAt?.toISOString() ?? null, idempotencyKey, replayed },
          () => [
            `${replayed ? "already granted (replayed; nothing changed)" : "granted"} ${granted.amount} ${granted.unit} to ${account}`,
            `  lot ${granted.lotId}, transaction ${granted.transactionId}, ${expiresAt ? `expires ${expiresAt.toISOString()}` : "no expiry"}`,
            `  balance ${granted.balance}, available ${granted.available}`,
            `  idempotency key: ${idempotencyKey}`,
          ],
        );
      });
    });
}
