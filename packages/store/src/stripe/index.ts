export * from "./stripe-customers.ts";
export * from "./stripe-events.ts";
export * from "./stripe-pack-purchases.ts";
export * from "./stripe-subscriptions.ts";
