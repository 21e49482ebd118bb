import type { Command } from "commander";
import { type AccountOptions, accountParamOf, accountPath } from "../account-options.ts";
import { withApi } from "../api-client.ts";
import { invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { type SubscriptionJson, subscriptionLines } from "../plan-output.ts";
import { idempotencyKeyOf } from "../write-options.ts";
import { planIdOf } from "./plans-show.ts";

interface WriteOptions extends AccountOptions {
  plan?: string;
  idempotencyKey?: string;
}

/** A subscription write's answer. */
interface ChangeJson {
  subscription: SubscriptionJson;
  transactionIds: string[];
  unit: string;
  balance: string;
  available: string;
}

/**
 * One of `subscriptions create|change|cancel`: the same options and output, a different
 * route under `/v1/accounts/{account}/subscription`.
 */
export function registerSubscriptionWrite(
  command: Command,
  write: { description: string; path: string; needsPlan: boolean; done: string },
): void {
  command.description(write.description);
  if (write.needsPlan) command.option("--plan <plan>", "the configured plan's id (tollgate plans list)");
  command
    .option("--idempotency-key <key>", "makes a retry safe (default: a generated key, printed)")
    .action(async (options: WriteOptions, invoked: Command) => {
      const context = contextOf(invoked);
      const account = accountParamOf(options);
      if (write.needsPlan && options.plan === undefined) throw invalidInput("--plan is required: the plan's id");
      const plan = options.plan === undefined ? undefined : planIdOf(options.plan);
      const idempotencyKey = idempotencyKeyOf(options.idempotencyKey, `subscription${write.path.replace("/", "-")}`);
      await withApi(context, async (api) => {
        const { body, replayed } = await api.send<ChangeJson>(
          "POST",
          accountPath(options, `/subscription${write.path}`),
          {
            idempotencyKey,
            ...(write.needsPlan ? { body: { plan } } : {}),
          },
        );
        context.output.result({ account, ...body, idempotencyKey, replayed }, () => [
          `${replayed ? `already ${write.done} (replayed; nothing changed)` : write.done}: ${account}`,
          ...subscriptionLines(body.subscription),
          `  balance ${body.balance} ${body.unit}, available ${body.available}`,
          `  idempotency key: ${idempotencyKey}`,
        ]);
      });
    });
}
