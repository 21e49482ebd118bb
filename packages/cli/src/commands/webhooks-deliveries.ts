import { WEBHOOK_PAGE_MAX, Webhooks } from "@tollgate/store";
import type { Command } from "commander";
import { parseLimit } from "../amounts.ts";
import { CliError, EXIT } from "../cli-error.ts";
import { type CommandContext, contextOf, withLedger } from "../context.ts";
import { table } from "../output.ts";
import { asInput, deliveryJson } from "../webhook-output.ts";

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
      await withLedger(context, async (ledger) => {
        const webhooks = Webhooks.of(ledger);
        if (deliveryId !== undefined) return showDelivery(context, webhooks, deliveryId);
        const page = await asInput(() =>
          webhooks.listDeliveries({
            ...(options.event ? { eventId: options.event } : {}),
            ...(options.endpoint ? { endpointId: options.endpoint } : {}),
            ...(options.status ? { status: options.status } : {}),
            limit,
            before: options.before ?? null,
          }),
        );
        context.output.result({ deliveries: page.items.map(deliveryJson), nextCursor: page.nextCursor }, () => [
          ...(page.items.length === 0
            ? ["no deliveries"]
            : table([
                ["delivery", "event", "type", "endpoint", "status", "attempts", "last", "next"],
                ...page.items.map((d) => [
                  d.deliveryId,
                  d.eventId,
                  d.eventType,
                  d.endpointId,
                  d.status,
                  String(d.attempts),
                  d.lastResponseStatus?.toString() ?? d.lastError ?? "-",
                  d.nextAttemptAt?.toISOString() ?? "-",
                ]),
              ])),
          ...(page.nextCursor ? ["", `next page: --before ${page.nextCursor}`] : []),
        ]);
      });
    });
}

async function showDelivery(context: CommandContext, webhooks: Webhooks, deliveryId: string): Promise<void> {
  const delivery = await asInput(() => webhooks.getDelivery(deliveryId));
  if (!delivery) throw new CliError("delivery_not_found", `no delivery ${deliveryId}`, EXIT.failed);
  context.output.result(
    {
      ...deliveryJson(delivery),
      log: delivery.log.map((line) => ({ ...line, startedAt: line.startedAt.toISOString() })),
    },
    () => [
      `${delivery.deliveryId}: ${delivery.eventType} ${delivery.eventId} to ${delivery.endpointId}`,
      `status ${delivery.status} after ${delivery.attempts} attempts${delivery.nextAttemptAt ? `; next at ${delivery.nextAttemptAt.toISOString()}` : ""}`,
      ...(delivery.replayOf ? [`replays ${delivery.replayOf}`] : []),
      ...(delivery.log.length === 0
        ? []
        : table([
            ["attempt", "started", "ms", "status", "error", "response"],
            ...delivery.log.map((line) => [
              String(line.attempt),
              line.startedAt.toISOString(),
              String(line.durationMs),
              line.responseStatus?.toString() ?? "-",
              line.error ?? "-",
              (line.responseBody ?? "-").replaceAll(/\s+/g, " ").slice(0, 60),
            ]),
          ])),
    ],
  );
}
