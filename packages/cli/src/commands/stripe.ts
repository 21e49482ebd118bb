import type { Command } from "commander";
import { registerStripeEvents } from "./stripe-events.ts";
import { registerStripePush } from "./stripe-push.ts";

export function registerStripe(program: Command): void {
  const stripe = program
    .command("stripe")
    .description("Stripe: push plans and packs to Stripe's Products and Prices, the log of webhook events");
  registerStripePush(stripe);
  registerStripeEvents(stripe);
}
