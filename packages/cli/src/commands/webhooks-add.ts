import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { contextOf } from "../context.ts";
import { type EndpointJson, eventTypesLabel } from "../webhook-output.ts";

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
    // The types are the API's to list: an unknown one is refused with every type named.
    .option("--events <types>", "comma-separated event types, such as balance.low,balance.depleted (default: all)")
    .option("--description <text>", "a label for people (at most 200 characters)")
    .action(async (options: WebhooksAddOptions, command: Command) => {
      const context = contextOf(command);
      const eventTypes = options.events?.split(",").map((type) => type.trim());
      await withApi(context, async (api) => {
        const endpoint = await api.request<EndpointJson & { secret: string }>("POST", "/v1/webhook-endpoints", {
          body: { url: options.url, eventTypes, description: options.description },
        });
        context.output.progress("store this signing secret now: it is shown only once");
        context.output.result(endpoint, () => [
          `added endpoint ${endpoint.id} ${endpoint.url}`,
          `events: ${eventTypesLabel(endpoint)}`,
          `signing secret: ${endpoint.secret}`,
        ]);
      });
    });
}
