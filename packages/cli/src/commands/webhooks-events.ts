import { WEBHOOK_PAGE_MAX, Webhooks } from "@tollgate/store";
import type { Command } from "commander";
import { parseLimit } from "../amounts.ts";
import { contextOf, withLedger } from "../context.ts";
import { type AccountOptions, accountRefOf, findAccount, withAccountOptions } from "../legacy-account-options.ts";
import { table } from "../output.ts";
import { asInput, eventJson } from "../webhook-output.ts";

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
    const filtered = options.account ?? options.type ?? options.externalId;
    const ref = filtered === undefined ? null : accountRefOf(options);
    await withLedger(context, async (ledger) => {
      const accountId = ref ? (await findAccount(ledger, ref)).accountId : undefined;
      const page = await asInput(() =>
        Webhooks.of(ledger).listEvents({
          ...(accountId ? { accountId } : {}),
          ...(options.eventType ? { type: options.eventType } : {}),
          limit,
          before: options.before ?? null,
        }),
      );
      context.output.result({ events: page.items.map(eventJson), nextCursor: page.nextCursor }, () => [
        ...(page.items.length === 0
          ? ["no events"]
          : table([
              ["event", "type", "account", "unit", "amount", "created"],
              ...page.items.map((event) => {
                const account = event.data.account as { type?: string; externalId?: string } | undefined;
                return [
                  event.eventId,
                  event.type,
                  account ? `${account.type} ${account.externalId}` : event.accountId,
                  String(event.data.unit ?? "-"),
                  String(event.data.available ?? event.data.amount ?? "-"),
                  event.createdAt.toISOString(),
                ];
              }),
            ])),
        ...(page.nextCursor ? ["", `next page: --before ${page.nextCursor}`] : []),
      ]);
    });
  });
}
