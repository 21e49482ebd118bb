export * from "./access.ts";
export * from "./pack-lot.ts";
export * from "./periods.ts";
export * from "./plan.ts";
