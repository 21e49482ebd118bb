import { after } from "node:test";

/**
 * Records every error that reaches the process uncaught while the suite runs (an 'error'
 * event nobody listens to, a rejected promise nobody awaits): in `tollgate serve` each would
 * end the process. Watches without handling, so the test runner still reports them too.
 */
export function watchUncaughtErrors(): { errors(): string[] } {
  const errors: string[] = [];
  const record = (error: unknown) => errors.push(String(error));
  process.on("uncaughtExceptionMonitor", record);
  after(() => {
    process.off("uncaughtExceptionMonitor", record);
  });
  return { errors: () => [...errors] };
}
