export * from "./access.ts";
export * from "./periods.ts";
export * from "./plan.ts";
