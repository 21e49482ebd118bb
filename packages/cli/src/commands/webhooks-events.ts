import type { Command } from "commander";
import {
  type AccountJson,
  type AccountOptions,
  accountPath,
  namesAccount,
  withAccountOptions,
} from "../account-options.ts";
import { parseLimit } from "../amounts.ts";
import { withApi } from "../api-client.ts";
import { contextOf } from "../context.ts";
import { table } from "../output.ts";
import { beforeCursorOf, type EventJson, type PageJson, WEBHOOK_PAGE_MAX } from "../webhook-output.ts";

interface WebhooksEventsOptions extends AccountOptions {
  eventType?: string;
  limit?: string;
  before?: string;
}

export function registerWebhooksEvents(webhooks: Command): void {
  withAccountOptions(
    webhooks
      .command("events")
      .description("events newest first, for every account or one")
      .option("--event-type <type>", "only events of this type (balance.low, …)")
      .option("--limit <n>", `events per page (default 50, at most ${WEBHOOK_PAGE_MAX})`)
      .option("--before <cursor>", "the cursor printed by the previous page"),
  ).action(async (options: WebhooksEventsOptions, command: Command) => {
    const context = contextOf(command);
    const limit = parseLimit(options.limit, { fallback: 50, max: WEBHOOK_PAGE_MAX });
    const before = beforeCursorOf(options.before, "evt");
    const path = namesAccount(options) ? accountPath(options) : null;
    await withApi(context, async (api) => {
      // The list answers no events for an account that does not exist; a typo is worth saying.
      const account = path === null ? undefined : (await api.request<AccountJson>("GET", path)).id;
      const page = await api.request<PageJson<EventJson>>("GET", "/v1/webhook-events", {
        query: { account, type: options.eventType, limit, after: before },
      });
      context.output.result({ events: page.data, nextCursor: page.nextCursor }, () => [
        ...(page.data.length === 0
          ? ["no events"]
          : table([
              ["event", "type", "account", "unit", "amount", "created"],
              ...page.data.map((event) => {
                const named = event.data.account as { type?: string; externalId?: string } | undefined;
                return [
                  event.id,
                  event.type,
                  named ? `${named.type} ${named.externalId}` : event.accountId,
                  String(event.data.unit ?? "-"),
                  String(event.data.available ?? event.data.amount ?? "-"),
                  event.createdAt,
                ];
              }),
            ])),
        ...(page.nextCursor ? ["", `next page: --before ${page.nextCursor}`] : []),
      ]);
    });
  });
}
