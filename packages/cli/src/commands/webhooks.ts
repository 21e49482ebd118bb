import type { Command } from "commander";
import { registerWebhooksAdd } from "./webhooks-add.ts";
import { registerWebhooksDeliveries } from "./webhooks-deliveries.ts";
import { registerWebhooksDisable } from "./webhooks-disable.ts";
import { registerWebhooksEvents } from "./webhooks-events.ts";
import { registerWebhooksList } from "./webhooks-list.ts";
import { registerWebhooksReplay } from "./webhooks-replay.ts";
import { registerWebhooksThreshold } from "./webhooks-threshold.ts";

export function registerWebhooks(program: Command): void {
  const webhooks = program
    .command("webhooks")
    .description("outgoing webhooks: endpoints, events, deliveries and their log, replays, low-balance thresholds");
  registerWebhooksAdd(webhooks);
  registerWebhooksList(webhooks);
  registerWebhooksDisable(webhooks);
  registerWebhooksEvents(webhooks);
  registerWebhooksDeliveries(webhooks);
  registerWebhooksReplay(webhooks);
  registerWebhooksThreshold(webhooks);
}
