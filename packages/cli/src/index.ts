export * from "./cli-error.ts";
export * from "./list-accounts.ts";
export { createProgram, runCli } from "./program.ts";
