import { Webhooks } from "@tollgate/store";
import type { Command } from "commander";
import { CliError, EXIT } from "../cli-error.ts";
import { contextOf, withLedger } from "../context.ts";
import { asInput } from "../webhook-output.ts";

export function registerWebhooksReplay(webhooks: Command): void {
  webhooks
    .command("replay")
    .description(
      "send an event again as new deliveries: evt_… to every enabled endpoint taking its type, wd_… to that delivery's endpoint",
    )
    .argument("<id>", "an event id (evt_…) or a delivery id (wd_…)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      await withLedger(context, async (ledger) => {
        const result = await asInput(() => Webhooks.of(ledger).replay(id));
        if (result.code === "not_found") throw new CliError("not_found", `no event or delivery ${id}`, EXIT.failed);
        if (result.code === "no_endpoint") {
          throw new CliError(
            "no_endpoint",
            id.startsWith("wd_")
              ? "the delivery's endpoint is disabled; replay the event (evt_…) to send it to the enabled endpoints"
              : "no enabled endpoint takes this event's type; add one with `tollgate webhooks add`",
            EXIT.failed,
          );
        }
        context.output.result({ deliveryIds: result.deliveryIds }, () => [
          `queued ${result.deliveryIds.length} delivery(ies); a running server sends them within a second:`,
          ...result.deliveryIds.map((deliveryId) => `  ${deliveryId}`),
        ]);
      });
    });
}
