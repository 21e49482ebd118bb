export * from "./plan.ts";
export * from "./pack-lot.ts";
