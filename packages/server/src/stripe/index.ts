export * from "./auto-top-up-job.ts";
export * from "./stripe-catalog-diff.ts";
export * from "./stripe-client.ts";
export * from "./stripe-event-handlers.ts";
export * from "./stripe-lookup-keys.ts";
export * from "./stripe-push.ts";
export * from "./stripe-settings.ts";
export * from "./stripe-webhook-verify.ts";
