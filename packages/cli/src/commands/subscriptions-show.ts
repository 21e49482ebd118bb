import type { Command } from "commander";
import { type AccountOptions, accountPath, withAccountOptions } from "../account-options.ts";
import { withApi } from "../api-client.ts";
import { contextOf } from "../context.ts";
import { type SubscriptionJson, subscriptionLines } from "../plan-output.ts";

export function registerSubscriptionsShow(subscriptions: Command): void {
  withAccountOptions(
    subscriptions.command("show").description("the account's subscription (a canceled one too)"),
  ).action(async (options: AccountOptions, command: Command) => {
    const context = contextOf(command);
    const path = accountPath(options, "/subscription");
    await withApi(context, async (api) => {
      const subscription = await api.request<SubscriptionJson>("GET", path);
      context.output.result(subscription, () => subscriptionLines(subscription));
    });
  });
}
