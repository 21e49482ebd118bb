import { runCli } from "./program.ts";

// The exit code is set, not forced: the process ends once every handle (database, server) is closed.
process.exitCode = await runCli(process.argv);
