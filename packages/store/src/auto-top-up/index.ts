export * from "./auto-top-ups.ts";
