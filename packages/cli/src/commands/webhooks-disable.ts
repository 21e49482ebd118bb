import { Webhooks } from "@tollgate/store";
import type { Command } from "commander";
import { CliError, EXIT } from "../cli-error.ts";
import { contextOf, withLedger } from "../context.ts";
import { asInput, endpointJson } from "../webhook-output.ts";

export function registerWebhooksDisable(webhooks: Command): void {
  webhooks
    .command("disable")
    .description("stop sending to an endpoint for good; its pending deliveries fail (replay them elsewhere)")
    .argument("<endpoint_id>", "the endpoint's id, we_… (from `tollgate webhooks list`)")
    .action(async (endpointId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      await withLedger(context, async (ledger) => {
        const result = await asInput(() => Webhooks.of(ledger).disableEndpoint(endpointId));
        if (result.code === "not_found") {
          throw new CliError(
            "endpoint_not_found",
            `no endpoint ${endpointId}; list them with \`tollgate webhooks list --include-disabled\``,
            EXIT.failed,
          );
        }
        const pendingFailed = result.code === "disabled" ? result.pendingFailed : 0;
        context.output.result(
          { ...endpointJson(result.endpoint), alreadyDisabled: result.code === "already_disabled", pendingFailed },
          () => [
            result.code === "already_disabled"
              ? `already disabled: ${endpointId}`
              : `disabled ${endpointId}; ${pendingFailed} pending deliveries failed`,
          ],
        );
      });
    });
}
