import { createJsonLogger, startServer } from "@tollgate/server";
import type { Command } from "commander";
import { CliError, EXIT } from "../cli-error.ts";
import { contextOf } from "../context.ts";
import { runningServerOf } from "../running-server.ts";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the HTTP server: migrates, listens, sweeps expiries; SIGINT/SIGTERM shut it down gracefully")
    .option("--port <port>", "port to listen on (env PORT, default 8787; 0 picks a free one)")
    .option("--host <host>", "address to bind (env HOST, default 127.0.0.1)")
    .action(async (options: { port?: string; host?: string }, command: Command) => {
      const context = contextOf(command, { PORT: options.port, HOST: options.host });
      const running = runningServerOf(context.config);
      if (running) {
        throw new CliError(
          "already_serving",
          `a tollgate server already serves this data directory at ${running.url} (pid ${running.pid}); the embedded database allows one process: stop it first, or set DATABASE_URL to run several servers on PostgreSQL`,
          EXIT.unexpected,
        );
      }
      context.output.progress(`starting tollgate on ${context.config.host}:${context.config.port}…`);
      const server = await startServer(context.config, {
        logger: createJsonLogger(),
        // On stderr, never in the JSON log: a key must not reach a log collector.
        onFirstKey: ({ key, token, url }) =>
          context.output.progress(
            [
              "",
              `created the first admin key ${key.keyId}; it is shown only this once, so store it now:`,
              "",
              `  export TOLLGATE_KEY=${token}`,
              `  curl -H "Authorization: Bearer $TOLLGATE_KEY" ${url}/v1/features`,
              "",
              `the dashboard is at ${url}/ (sign in with this key)`,
              "",
            ].join("\n"),
          ),
      });
      await server.closed;
    });
}
