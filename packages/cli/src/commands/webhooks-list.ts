import type { Command } from "commander";
import { parseLimit } from "../amounts.ts";
import { withApi } from "../api-client.ts";
import { contextOf } from "../context.ts";
import { table } from "../output.ts";
import { type EndpointJson, eventTypesLabel, type PageJson, WEBHOOK_PAGE_MAX } from "../webhook-output.ts";

interface WebhooksListOptions {
  includeDisabled?: boolean;
  limit?: string;
  after?: string;
}

export function registerWebhooksList(webhooks: Command): void {
  webhooks
    .command("list")
    .description("endpoints in creation order; never a secret")
    .option("--include-disabled", "list disabled endpoints too")
    .option("--limit <n>", `endpoints per page (default 50, at most ${WEBHOOK_PAGE_MAX})`)
    .option("--after <cursor>", "the cursor printed by the previous page")
    .action(async (options: WebhooksListOptions, command: Command) => {
      const context = contextOf(command);
      const limit = parseLimit(options.limit, { fallback: 50, max: WEBHOOK_PAGE_MAX });
      await withApi(context, async (api) => {
        const page = await api.request<PageJson<EndpointJson>>("GET", "/v1/webhook-endpoints", {
          query: { includeDisabled: options.includeDisabled ? "true" : undefined, limit, after: options.after },
        });
        const next = page.nextCursor
          ? [
              `tollgate webhooks list --limit ${limit}`,
              ...(options.includeDisabled ? ["--include-disabled"] : []),
              `--after ${page.nextCursor}`,
            ].join(" ")
          : null;
        context.output.result({ endpoints: page.data, nextCursor: page.nextCursor }, () => [
          ...(page.data.length === 0
            ? ["no endpoints; add one with `tollgate webhooks add --url <url>`"]
            : table([
                ["endpoint", "url", "events", "status", "created"],
                ...page.data.map((endpoint) => [
                  endpoint.id,
                  endpoint.url,
                  eventTypesLabel(endpoint, ","),
                  endpoint.enabled ? "enabled" : `disabled ${endpoint.disabledAt}`,
                  endpoint.createdAt,
                ]),
              ])),
          ...(next ? ["", `next page: ${next}`] : []),
        ]);
      });
    });
}
