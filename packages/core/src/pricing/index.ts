export * from "./credits.ts";
export * from "./decimal.ts";
export * from "./usage.ts";
export * from "./usage-cost.ts";
