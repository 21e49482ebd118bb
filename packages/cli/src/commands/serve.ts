import { createJsonLogger, startServer } from "@tollgate/server";
import type { Command } from "commander";
import { contextOf } from "../context.ts";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the HTTP server: migrates, listens, sweeps expiries; SIGINT/SIGTERM shut it down gracefully")
    .option("--port <port>", "port to listen on (env PORT, default 8787; 0 picks a free one)")
    .option("--host <host>", "address to bind (env HOST, default 127.0.0.1)")
    .action(async (options: { port?: string; host?: string }, command: Command) => {
      const context = contextOf(command, { PORT: options.port, HOST: options.host });
      context.output.progress(`starting tollgate on ${context.config.host}:${context.config.port}…`);
      const server = await startServer(context.config, { logger: createJsonLogger() });
      await server.closed;
    });
}
