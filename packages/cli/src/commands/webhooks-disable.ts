import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { CliError, EXIT } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { type EndpointJson, refusedAs } from "../webhook-output.ts";

/** `POST /v1/webhook-endpoints/{endpoint}/disable`'s answer. */
type DisabledJson = EndpointJson & { alreadyDisabled: boolean; pendingFailed: number };

export function registerWebhooksDisable(webhooks: Command): void {
  webhooks
    .command("disable")
    .description("stop sending to an endpoint for good; its pending deliveries fail (replay them elsewhere)")
    .argument("<endpoint_id>", "the endpoint's id, we_… (from `tollgate webhooks list`)")
    .action(async (endpointId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      await withApi(context, async (api) => {
        const disabled = await refusedAs(
          "not_found",
          () => api.request<DisabledJson>("POST", `/v1/webhook-endpoints/${encodeURIComponent(endpointId)}/disable`),
          () =>
            new CliError(
              "endpoint_not_found",
              `no endpoint ${endpointId}; list them with \`tollgate webhooks list --include-disabled\``,
              EXIT.failed,
            ),
        );
        context.output.result(disabled, () => [
          disabled.alreadyDisabled
            ? `already disabled: ${disabled.id}`
            : `disabled ${disabled.id}; ${disabled.pendingFailed} pending deliveries failed`,
        ]);
      });
    });
}
