export * from "./failing-webhooks.ts";
export * from "./overview.ts";
export * from "./usage-totals.ts";
