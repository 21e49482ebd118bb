import { isDatabaseUnavailable, type Ledger } from "@tollgate/store";
import { Hono } from "hono";
import type { Logger } from "../logger.ts";

/** How long readiness waits for the database: a probe must answer even when it hangs. */
export const READY_TIMEOUT_MS = 2000;

/**
 * `/healthz`: the process is up (restart it if not). `/readyz`: the database answers, so
 * send traffic (take it out of the load balancer if not). Neither says why in its body.
 */
export function healthRoutes(deps: { ledger: Pick<Ledger, "sql">; logger: Logger }) {
  return new Hono()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", async (c) => {
      try {
        await withTimeout(deps.ledger.sql.query("select 1"), READY_TIMEOUT_MS);
        return c.json({ status: "ready" });
      } catch (error) {
        // The database away is what this probe is for: its reason, not a stack, per probe.
        if (isDatabaseUnavailable(error))
          deps.logger.warn("not ready: the database does not answer", { reason: (error as Error).message });
        else deps.logger.warn("not ready: the database does not answer", { error });
        return c.json({ status: "unavailable" }, 503);
      }
    });
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
