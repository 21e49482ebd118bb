export * from "./pack-lot.ts";
export * from "./plan.ts";
