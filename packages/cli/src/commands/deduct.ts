import type { Command } from "commander";
import { type AccountOptions, accountParamOf, accountPath, withAccountOptions } from "../account-options.ts";
import { withApi } from "../api-client.ts";
import { contextOf } from "../context.ts";
import { idempotencyKeyOf, requireReason } from "../write-options.ts";

interface DeductOptions extends AccountOptions {
  amount: string;
  unit?: string;
  reason?: string;
  idempotencyKey?: string;
}

/** `POST /v1/accounts/{account}/deductions`'s answer. */
interface DeductionJson {
  transactionId: string;
  accountId: string;
  unit: string;
  amount: string;
  reason: string;
  balance: string;
  available: string;
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
      accountParamOf(options);
      const reason = requireReason(options.reason, "a deduction");
      const idempotencyKey = idempotencyKeyOf(options.idempotencyKey, "deduct");
      await withApi(context, async (api) => {
        const { body: deducted, replayed } = await api.send<DeductionJson>(
          "POST",
          accountPath(options, "/deductions"),
          { idempotencyKey, body: { amount: options.amount, unit: options.unit, reason } },
        );
        context.output.result({ ...deducted, idempotencyKey, replayed }, () => [
          `${replayed ? "already deducted (replayed; nothing changed)" : "deducted"} ${deducted.amount} ${deducted.unit} from ${deducted.accountId}`,
          `  transaction ${deducted.transactionId}; balance ${deducted.balance}, available ${deducted.available}`,
          `  idempotency key: ${idempotencyKey}`,
        ]);
      });
    });
}
