import type { Command } from "commander";
import { withApi } from "../api-client.ts";
import { CliError, EXIT, invalidInput } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { refusedAs } from "../webhook-output.ts";

export function registerWebhooksReplay(webhooks: Command): void {
  webhooks
    .command("replay")
    .description(
      "send an event again as new deliveries: evt_… to every enabled endpoint taking its type, wd_… to that delivery's endpoint",
    )
    .argument("<id>", "an event id (evt_…) or a delivery id (wd_…)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      // The prefix says which resource to replay; the API checks the rest of the id.
      const delivery = id.startsWith("wd_");
      if (!delivery && !id.startsWith("evt_")) {
        throw invalidInput(`"${id.slice(0, 40)}" is neither an event id (evt_…) nor a delivery id (wd_…)`);
      }
      const path = `/v1/webhook-${delivery ? "deliveries" : "events"}/${encodeURIComponent(id)}/replay`;
      await withApi(context, async (api) => {
        const replayed = await refusedAs(
          "no_endpoint",
          () => api.request<{ deliveryIds: string[] }>("POST", path),
          // Nothing to send to is a refusal of the request as it stands (exit 1), not bad input.
          () =>
            new CliError(
              "no_endpoint",
              delivery
                ? "the delivery's endpoint is disabled; replay the event (evt_…) to send it to the enabled endpoints"
                : "no enabled endpoint takes this event's type; add one with `tollgate webhooks add`",
              EXIT.failed,
            ),
        );
        context.output.result(replayed, () => [
          `queued ${replayed.deliveryIds.length} delivery(ies); a running server sends them within a second:`,
          ...replayed.deliveryIds.map((deliveryId) => `  ${deliveryId}`),
        ]);
      });
    });
}
