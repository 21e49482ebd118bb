import type { Command } from "commander";
import { withAccountOptions } from "../account-options.ts";
import { registerSubscriptionsShow } from "./subscriptions-show.ts";
import { registerSubscriptionWrite } from "./subscriptions-write.ts";

export function registerSubscriptions(program: Command): void {
  const subscriptions = program
    .command("subscriptions")
    .description("an account's subscription: show, create, change its plan, cancel");
  registerSubscriptionsShow(subscriptions);
  registerSubscriptionWrite(withAccountOptions(subscriptions.command("create")), {
    description: "subscribe the account to a plan (creates the account on first use)",
    path: "",
    needsPlan: true,
    done: "subscribed",
  });
  registerSubscriptionWrite(withAccountOptions(subscriptions.command("change")), {
    description: "move the account's subscription to another plan (an upgrade now, a downgrade as the plan says)",
    path: "/change",
    needsPlan: true,
    done: "changed",
  });
  registerSubscriptionWrite(withAccountOptions(subscriptions.command("cancel")), {
    description: "cancel the account's subscription (now or at its period's end, as its plan says)",
    path: "/cancel",
    needsPlan: false,
    done: "canceled",
  });
}
