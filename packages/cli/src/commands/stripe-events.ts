import type { Command } from "commander";
import { parseLimit } from "../amounts.ts";
import { withApi } from "../api-client.ts";
import { contextOf } from "../context.ts";
import { table } from "../output.ts";

/** As `GET /v1/stripe/events` allows. */
const STRIPE_EVENT_PAGE_MAX = 500;

interface StripeEventsOptions {
  eventType?: string;
  outcome?: string;
  limit?: string;
  before?: string;
}

interface StripeEventJson {
  id: string;
  type: string;
  receivedAt: string;
  deliveries: number;
  outcome: string;
  detail: string | null;
  accountId: string | null;
}

export function registerStripeEvents(stripe: Command): void {
  stripe
    .command("events")
    .description("Stripe webhook events received, newest first, with what each did")
    .option("--event-type <type>", "only events of this type (checkout.session.completed, …)")
    .option("--outcome <outcome>", "only events with this outcome: received, processed, ignored or failed")
    .option("--limit <n>", `events per page (default 50, at most ${STRIPE_EVENT_PAGE_MAX})`)
    .option("--before <cursor>", "the cursor printed by the previous page")
    .action(async (options: StripeEventsOptions, command: Command) => {
      const context = contextOf(command);
      const limit = parseLimit(options.limit, { fallback: 50, max: STRIPE_EVENT_PAGE_MAX });
      await withApi(context, async (api) => {
        const page = await api.request<{ data: StripeEventJson[]; nextCursor: string | null }>(
          "GET",
          "/v1/stripe/events",
          { query: { type: options.eventType, outcome: options.outcome, limit, after: options.before } },
        );
        context.output.result({ events: page.data, nextCursor: page.nextCursor }, () => [
          ...(page.data.length === 0
            ? ["no events"]
            : table([
                ["event", "type", "outcome", "deliveries", "account", "received", "detail"],
                ...page.data.map((event) => [
                  event.id,
                  event.type,
                  event.outcome,
                  String(event.deliveries),
                  event.accountId ?? "-",
                  event.receivedAt,
                  event.detail ?? "",
                ]),
              ])),
          ...(page.nextCursor ? ["", `next page: --before ${page.nextCursor}`] : []),
        ]);
      });
    });
}
