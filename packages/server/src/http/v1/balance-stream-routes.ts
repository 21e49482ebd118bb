import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { BalanceEvents, Ledger } from "@tollgate/store";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../../app-env.ts";
import { findAccountInScope } from "./account-ref.ts";
import { callerOf } from "./auth.ts";
import { balanceJson } from "./balance-json.ts";
import type { LiveStreams } from "./live-streams.ts";
import { AccountParam, errorResponses } from "./schemas.ts";
import { streamRefused } from "./stream-refused.ts";

/** A comment line this often keeps proxies from closing an idle stream. */
export const HEARTBEAT_MS = 15_000;
/** A stream ends after this long; the client reconnects (EventSource does so by itself). */
export const STREAM_DURATION_MS_MAX = 60 * 60_000;

const events = createRoute({
  method: "get",
  path: "/accounts/{account}/events",
  summary:
    "Live balances as Server-Sent Events: a `balance` event now, and one after every change, made through any instance",
  description:
    "The stream ends when the key is revoked or expires, after an hour, and when the server shuts down; the client reconnects (EventSource does so by itself). Open streams are limited per key, per account and per instance: one more is refused before it starts, 429 `rate_limited` or 503 `unavailable` with `Retry-After`. `HEAD` answers the headers and opens nothing.",
  request: { params: AccountParam, query: z.strictObject({}) },
  responses: {
    200: {
      description: "`event: balance`, `data:` the account's balances per unit (as GET …/balances)",
      content: { "text/event-stream": { schema: { type: "string" } } },
    },
    ...errorResponses([400, 401, 404, 503]),
  },
});

/** `/v1/accounts/{account}/events`: replaces polling a balance every few seconds. */
export function balanceStreamRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { ledger: Ledger; balanceEvents: BalanceEvents; liveStreams: LiveStreams },
): void {
  const { ledger, balanceEvents, liveStreams } = deps;
  // Fresh from the database: a change's notification can reach this stream before it reaches
  // the balance cache, which would still answer with the balance from before the change.
  const balancesOf = async (accountId: string) =>
    ((await ledger.getBalances({ accountId }, { fresh: true })) ?? []).map((view) => balanceJson(ledger, view));

  app.openapi(events, async (c) => {
    const { accountId } = await findAccountInScope(ledger, c, c.req.valid("param").account);
    // Hono answers HEAD with the GET handler and drops the body: a stream opened here would
    // never be read nor cancelled, and hold its place for an hour. The headers are the answer.
    if (c.req.method === "HEAD") {
      return c.body(null, 200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" }) as never;
    }
    const caller = callerOf(c);
    const opened = liveStreams.open({ keyId: caller.keyId, kind: caller.kind, accountId, expiresAt: caller.expiresAt });
    if (opened.code !== "opened") throw streamRefused(c, opened);
    const { stream: place } = opened;
    // Subscribed before the stream starts, so a failure (LISTEN on a lost database) is an
    // answer through the error handler rather than an empty 200.
    let onChange = () => {};
    let stop: () => void;
    try {
      stop = await balanceEvents.subscribe(accountId, () => onChange());
    } catch (error) {
      place.release();
      throw error;
    }
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
      onChange = push;
      // The server ends it (revoked, expired, shutting down): aborting also drops a write a
      // client that stopped reading would hold up forever, so the end is prompt either way.
      const endByServer = () => stream.abort();
      place.signal.addEventListener("abort", endByServer);
      const heartbeat = setInterval(() => void stream.write(": heartbeat\n\n"), HEARTBEAT_MS);
      try {
        push();
        await new Promise<void>((resolve) => {
          const ended = setTimeout(resolve, STREAM_DURATION_MS_MAX);
          const end = () => {
            clearTimeout(ended);
            resolve();
          };
          stream.onAbort(end);
          if (place.signal.aborted) end();
        });
      } finally {
        clearInterval(heartbeat);
        place.signal.removeEventListener("abort", endByServer);
        stop();
        // Nothing of this stream runs after it ended.
        await reading;
        place.release();
      }
    }) as never;
  });
}
