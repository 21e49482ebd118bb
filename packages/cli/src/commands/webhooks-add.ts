import { WEBHOOK_EVENT_TYPES, Webhooks } from "@tollgate/store";
import type { Command } from "commander";
import { contextOf, withLedger } from "../context.ts";
import { asInput, endpointJson } from "../webhook-output.ts";

interface WebhooksAddOptions {
  url: string;
  events?: string;
  description?: string;
}

export function registerWebhooksAdd(webhooks: Command): void {
  webhooks
    .command("add")
    .description("register an endpoint and print its signing secret, once")
    .requiredOption("--url <url>", "where to POST events: https://… (http:// for local development)")
    .option("--events <types>", `comma-separated event types (default: all): ${WEBHOOK_EVENT_TYPES.join(", ")}`)
    .option("--description <text>", "a label for people (at most 200 characters)")
    .action(async (options: WebhooksAddOptions, command: Command) => {
      const context = contextOf(command);
      const eventTypes = options.events === undefined ? [] : options.events.split(",").map((type) => type.trim());
      await withLedger(context, async (ledger) => {
        const { endpoint, secret } = await asInput(() =>
          Webhooks.of(ledger).createEndpoint({
            url: options.url,
            eventTypes,
            description: options.description ?? null,
          }),
        );
        context.output.progress("store this signing secret now: it is shown only once");
        context.output.result({ ...endpointJson(endpoint), secret }, () => [
          `added endpoint ${endpoint.endpointId} ${endpoint.url}`,
          `events: ${endpoint.eventTypes.length === 0 ? "all" : endpoint.eventTypes.join(", ")}`,
          `signing secret: ${secret}`,
        ]);
      });
    });
}
