import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { BalanceEvents, Ledger } from "@tollgate/store";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../../app-env.ts";
import { findAccountInScope } from "./account-ref.ts";
import { balanceJson } from "./balance-json.ts";
import { AccountParam, errorResponses } from "./schemas.ts";

/** A comment line this often keeps proxies from closing an idle stream. */
export const HEARTBEAT_MS = 15_000;
/** A stream ends after this long; the client reconnects (EventSource does so by itself). */
export const STREAM_DURATION_MS_MAX = 60 * 60_000;

const events = createRoute({
  method: "get",
  path: "/accounts/{account}/events",
  summary:
    "Live balances as Server-Sent Events: a `balance` event now, and one after every change, made through any instance",
  request: { params: AccountParam, query: z.strictObject({}) },
  responses: {
    200: {
      description: "`event: balance`, `data:` the account's balances per unit (as GET …/balances)",
      content: { "text/event-stream": { schema: { type: "string" } } },
    },
    ...errorResponses([400, 401, 404]),
  },
});

/** `/v1/accounts/{account}/events`: replaces polling a balance every few seconds. */
export function balanceStreamRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { ledger: Ledger; balanceEvents: BalanceEvents },
): void {
  const { ledger, balanceEvents } = deps;
  // Fresh from the database: a change's notification can reach this stream before it reaches
  // the balance cache, which would still answer with the balance from before the change.
  const balancesOf = async (accountId: string) =>
    ((await ledger.getBalances({ accountId }, { fresh: true })) ?? []).map((view) => balanceJson(ledger, view));

  app.openapi(events, async (c) => {
    const { accountId } = await findAccountInScope(ledger, c, c.req.valid("param").account);
    return streamSSE(c, async (stream) => {
      let sequence = 0;
      let reading: Promise<void> | null = null;
      let again = false;
      // Changes that arrive while a read is in flight are coalesced into one more read.
      const push = () => {
        if (reading) {
          again = true;
          return;
        }
        reading = (async () => {
          do {
            again = false;
            await stream.writeSSE({
              event: "balance",
              id: String(++sequence),
              data: JSON.stringify(await balancesOf(accountId)),
            });
          } while (again);
        })()
          // A read or a write that fails (the client left, the database went away) ends this
          // push, not the process: an unhandled rejection would stop the server. The client
          // reconnects and its next stream reads the balance again.
          .catch(() => {})
          .finally(() => {
            reading = null;
          });
      };
      const stop = await balanceEvents.subscribe(accountId, push);
      const heartbeat = setInterval(() => void stream.write(": heartbeat\n\n"), HEARTBEAT_MS);
      try {
        push();
        await new Promise<void>((resolve) => {
          const ended = setTimeout(resolve, STREAM_DURATION_MS_MAX);
          stream.onAbort(() => {
            clearTimeout(ended);
            resolve();
          });
        });
      } finally {
        clearInterval(heartbeat);
        stop();
        // Nothing of this stream runs after it ended.
        await reading;
      }
    }) as never;
  });
}
