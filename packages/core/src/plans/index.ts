export * from "./periods.ts";
export * from "./plan.ts";
