import type { Command } from "commander";
import { parseLimit } from "../amounts.ts";
import { type ApiClient, withApi } from "../api-client.ts";
import { CliError, EXIT } from "../cli-error.ts";
import { type CommandContext, contextOf } from "../context.ts";
import { table } from "../output.ts";
import {
  type AttemptJson,
  beforeCursorOf,
  type DeliveryJson,
  type PageJson,
  refusedAs,
  WEBHOOK_PAGE_MAX,
} from "../webhook-output.ts";

interface WebhooksDeliveriesOptions {
  event?: string;
  endpoint?: string;
  status?: string;
  limit?: string;
  before?: string;
}

export function registerWebhooksDeliveries(webhooks: Command): void {
  webhooks
    .command("deliveries")
    .description("deliveries newest first; with a wd_… id, that delivery and its log of attempts")
    .argument("[delivery_id]", "one delivery (wd_…) to show with every attempt")
    .option("--event <evt_id>", "only deliveries of this event")
    .option("--endpoint <we_id>", "only deliveries to this endpoint")
    .option("--status <status>", "pending, succeeded or failed")
    .option("--limit <n>", `deliveries per page (default 50, at most ${WEBHOOK_PAGE_MAX})`)
    .option("--before <cursor>", "the cursor printed by the previous page")
    .action(async (deliveryId: string | undefined, options: WebhooksDeliveriesOptions, command: Command) => {
      const context = contextOf(command);
      const limit = parseLimit(options.limit, { fallback: 50, max: WEBHOOK_PAGE_MAX });
      const before = beforeCursorOf(options.before, "wd");
      await withApi(context, async (api) => {
        if (deliveryId !== undefined) return showDelivery(context, api, deliveryId);
        const page = await api.request<PageJson<DeliveryJson>>("GET", "/v1/webhook-deliveries", {
          query: { event: options.event, endpoint: options.endpoint, status: options.status, limit, after: before },
        });
        context.output.result({ deliveries: page.data, nextCursor: page.nextCursor }, () => [
          ...(page.data.length === 0
            ? ["no deliveries"]
            : table([
                ["delivery", "event", "type", "endpoint", "status", "attempts", "last", "next"],
                ...page.data.map((d) => [
                  d.id,
                  d.eventId,
                  d.eventType,
                  d.endpointId,
                  d.status,
                  String(d.attempts),
                  d.lastResponseStatus?.toString() ?? d.lastError ?? "-",
                  d.nextAttemptAt ?? "-",
                ]),
              ])),
          ...(page.nextCursor ? ["", `next page: --before ${page.nextCursor}`] : []),
        ]);
      });
    });
}

async function showDelivery(context: CommandContext, api: ApiClient, deliveryId: string): Promise<void> {
  const delivery = await refusedAs(
    "not_found",
    () =>
      api.request<DeliveryJson & { log: AttemptJson[] }>(
        "GET",
        `/v1/webhook-deliveries/${encodeURIComponent(deliveryId)}`,
      ),
    () => new CliError("delivery_not_found", `no delivery ${deliveryId}`, EXIT.failed),
  );
  context.output.result(delivery, () => [
    `${delivery.id}: ${delivery.eventType} ${delivery.eventId} to ${delivery.endpointId}`,
    `status ${delivery.status} after ${delivery.attempts} attempts${delivery.nextAttemptAt ? `; next at ${delivery.nextAttemptAt}` : ""}`,
    ...(delivery.replayOf ? [`replays ${delivery.replayOf}`] : []),
    ...(delivery.log.length === 0
      ? []
      : table([
          ["attempt", "started", "ms", "status", "error", "response"],
          ...delivery.log.map((line) => [
            String(line.attempt),
            line.startedAt,
            String(line.durationMs),
            line.responseStatus?.toString() ?? "-",
            line.error ?? "-",
            (line.responseBody ?? "-").replaceAll(/\s+/g, " ").slice(0, 60),
          ]),
        ])),
  ]);
}
