import { GRANT_SOURCES, type GrantSource, PAID_SOURCES } from "@tollgate/core";
import type { Command } from "commander";
import { type AccountOptions, accountRefOf, withAccountOptions } from "../account-options.ts";
import { formatAmount, parseAmount, resolveUnit } from "../amounts.ts";
import { CliError, EXIT, invalidInput } from "../cli-error.ts";
import { contextOf, withLedger } from "../context.ts";
import { ledgerFailure } from "../ledger-failure.ts";
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
      const account = accountRefOf(options);
      if (!(GRANT_SOURCES as readonly string[]).includes(options.source)) {
        throw invalidInput(`--source must be one of ${GRANT_SOURCES.join(", ")}; got "${options.source}"`);
      }
      const source = options.source as GrantSource;
      if ("type" in account && account.type === "guest" && PAID_SOURCES.has(source)) {
        // Refused here, before the ledger would create the guest account on the way to refusing it.
        throw new CliError("guest_cannot_purchase", "guests receive free allowances only", EXIT.failed);
      }
      const reason = source === "admin" ? requireReason(options.reason, "an admin grant") : options.reason;
      const priority = priorityOf(options.priority);
      const expiresAt = expiryOf(options, new Date());
      const idempotencyKey = idempotencyKeyOf(options.idempotencyKey, "grant");
      await withLedger(context, async (ledger) => {
        const unit = resolveUnit(ledger, options.unit);
        const amountMinor = parseAmount(options.amount, unit);
        const result = await ledger.grant({
          account,
          unit: unit.unit,
          amountMinor,
          source,
          expiresAt,
          idempotencyKey,
          ...(priority === undefined ? {} : { priority }),
          ...(reason === undefined ? {} : { reason }),
        });
        if (!result.ok) throw ledgerFailure(result, unit);
        const granted = result.value;
        const amount = (minor: bigint) => formatAmount(minor, unit);
        context.output.result(
          {
            accountId: granted.accountId,
            unit: unit.unit,
            amount: amount(granted.amountMinor),
            transactionId: granted.transactionId,
            lotId: granted.lotId,
            expiresAt: expiresAt?.toISOString() ?? null,
            balance: amount(granted.balanceMinor),
            available: amount(granted.availableMinor),
            idempotencyKey,
            replayed: result.replayed,
          },
          () => [
            `${result.replayed ? "already granted (replayed; nothing changed)" : "granted"} ${amount(granted.amountMinor)} ${unit.unit} to ${granted.accountId}`,
            `  lot ${granted.lotId}, transaction ${granted.transactionId}, ${expiresAt ? `expires ${expiresAt.toISOString()}` : "no expiry"}`,
            `  balance ${amount(granted.balanceMinor)}, available ${amount(granted.availableMinor)}`,
            `  idempotency key: ${idempotencyKey}`,
          ],
        );
      });
    });
}
