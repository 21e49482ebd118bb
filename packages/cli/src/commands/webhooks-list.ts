import { Webhooks } from "@tollgate/store";
import type { Command } from "commander";
import { contextOf, withLedger } from "../context.ts";
import { table } from "../output.ts";
import { endpointJson } from "../webhook-output.ts";

export function registerWebhooksList(webhooks: Command): void {
  webhooks
    .command("list")
    .description("endpoints in creation order; never a secret")
    .option("--include-disabled", "list disabled endpoints too")
    .action(async (options: { includeDisabled?: boolean }, command: Command) => {
      const context = contextOf(command);
      await withLedger(context, async (ledger) => {
        const endpoints = await Webhooks.of(ledger).listEndpoints({
          includeDisabled: options.includeDisabled === true,
        });
        context.output.result({ endpoints: endpoints.map(endpointJson) }, () =>
          endpoints.length === 0
            ? ["no endpoints; add one with `tollgate webhooks add --url <url>`"]
            : table([
                ["endpoint", "url", "events", "status", "created"],
                ...endpoints.map((endpoint) => [
                  endpoint.endpointId,
                  endpoint.url,
                  endpoint.eventTypes.length === 0 ? "all" : endpoint.eventTypes.join(","),
                  endpoint.enabled ? "enabled" : `disabled ${endpoint.disabledAt?.toISOString()}`,
                  endpoint.createdAt.toISOString(),
                ]),
              ]),
        );
      });
    });
}
