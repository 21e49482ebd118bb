export * from "./cli-error.ts";
export { createProgram, runCli } from "./program.ts";
