import type { Command } from "commander";
import { formatAmount, parseAmount, resolveUnit } from "../amounts.ts";
import { contextOf, withLedger } from "../context.ts";
import { ledgerFailure } from "../ledger-failure.ts";
import { type AccountOptions, accountRefOf, findAccount, withAccountOptions } from "../legacy-account-options.ts";
import { idempotencyKeyOf, requireReason } from "../write-options.ts";

interface DeductOptions extends AccountOptions {
  amount: string;
  unit?: string;
  reason?: string;
  idempotencyKey?: string;
}

export function registerDeduct(program: Command): void {
  withAccountOptions(
    program.command("deduct").description("take credits from an account as an admin act, with a reason"),
  )
    .requiredOption("--amount <decimal>", "how much, in the unit's scale")
    .option("--unit <unit>", "the unit (default: the deployment's default unit)")
    .option("--reason <text>", "why (required)")
    .option("--idempotency-key <key>", "makes a retry safe (default: a generated key, printed)")
    .action(async (options: DeductOptions, command: Command) => {
      const context = contextOf(command);
      const ref = accountRefOf(options);
      const reason = requireReason(options.reason, "a deduction");
      const idempotencyKey = idempotencyKeyOf(options.idempotencyKey, "deduct");
      await withLedger(context, async (ledger) => {
        const unit = resolveUnit(ledger, options.unit);
        const amountMinor = parseAmount(options.amount, unit);
        const account = await findAccount(ledger, ref);
        const result = await ledger.deduct({
          account: { accountId: account.accountId },
          unit: unit.unit,
          amountMinor,
          reason,
          idempotencyKey,
        });
        if (!result.ok) throw ledgerFailure(result, unit);
        const deducted = result.value;
        const amount = (minor: bigint) => formatAmount(minor, unit);
        context.output.result(
          {
            accountId: deducted.accountId,
            unit: unit.unit,
            amount: amount(deducted.amountMinor),
            transactionId: deducted.transactionId,
            balance: amount(deducted.balanceMinor),
            available: amount(deducted.availableMinor),
            idempotencyKey,
            replayed: result.replayed,
          },
          () => [
            `${result.replayed ? "already deducted (replayed; nothing changed)" : "deducted"} ${amount(deducted.amountMinor)} ${unit.unit} from ${deducted.accountId}`,
            `  transaction ${deducted.transactionId}; balance ${amount(deducted.balanceMinor)}, available ${amount(deducted.availableMinor)}`,
            `  idempotency key: ${idempotencyKey}`,
          ],
        );
      });
    });
}
