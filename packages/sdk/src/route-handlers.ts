import type { TollgateClient } from "./client.ts";
import type { AccountRef } from "./resources.ts";
import { TollgateError } from "./tollgate-error.ts";

export interface RouteHandlerOptions {
  /** A client with the app's secret key: the handlers run on the app's server. */
  tollgate: TollgateClient;
  /**
   * The account the request acts as, from the app's own session (its cookie, its auth
   * library); null: not signed in (401). Nothing in the request's body or query can name
   * another account: the session alone decides.
   */
  account: (request: Request) => AccountRef | null | Promise<AccountRef | null>;
}

type Handler = (request: Request) => Promise<Response>;

/**
 * The routes the seed apps served for their own pages, as Fetch-API handlers (Next.js route
 * handlers, Hono, Bun, Deno…): `GET /api/balance`, `GET /api/usage/chat/:chatId`,
 * `POST /api/v1/tokens/check-balance` (`{ featureUsed, action: "check" | "deduct" }`) and
 * `GET /api/v1/tokens/stats`. `handle` routes by path; each handler can also be mounted alone.
 *
 * @example
 * // app/api/[...tollgate]/route.ts (Next.js)
 * const routes = createRouteHandlers({ tollgate, account: async () => `user:${(await auth())?.userId}` });
 * export const GET = routes.handle;
 * export const POST = routes.handle;
 * // Hono: app.all("/api/*", (c) => routes.handle(c.req.raw));
 */
export function createRouteHandlers(options: RouteHandlerOptions) {
  const { tollgate } = options;
  const signedIn =
    (run: (account: AccountRef, request: Request) => Promise<Response>): Handler =>
    async (request) => {
      // The app's own session failing is the app's error: it is not caught here.
      const account = await options.account(request);
      if (!account) return problem(401, "unauthenticated", "Sign in first.");
      try {
        return await run(account, request);
      } catch (error) {
        if (error instanceof TollgateError && error.status >= 400 && error.status < 500) {
          return problem(error.status, error.code, error.message);
        }
        // The app's logs have the cause; its users get no internals.
        return problem(502, "unavailable", "Billing is unavailable; try again.");
      }
    };

  const balance = signedIn(async (account) => {
    const balances = await tollgate.balances.list(account).catch(emptyForUnknown);
    return json(200, { account, balances });
  });

  const chatUsage = signedIn(async (account, request) => {
    const chatId = decodeURIComponent(new URL(request.url).pathname.split("/").filter(Boolean).at(-1) ?? "");
    if (chatId === "") return problem(400, "invalid_request", "Name the chat: /api/usage/chat/<chatId>.");
    return json(200, await tollgate.accounts.conversation(account, chatId));
  });

  const checkBalance = signedIn(async (account, request) => {
    const body = (await request.json().catch(() => null)) as { featureUsed?: unknown; action?: unknown } | null;
    const feature = body?.featureUsed;
    const action = body?.action ?? "check";
    if (typeof feature !== "string" || feature === "" || (action !== "check" && action !== "deduct")) {
      return problem(400, "invalid_request", 'Send { "featureUsed": "<feature>", "action": "check" | "deduct" }.');
    }
    if (action === "check") return json(200, { hasTokens: await tollgate.hasEnoughTokens(account, feature) });
    const idempotencyKey = request.headers.get("idempotency-key");
    const result = await tollgate.deductTokens(account, feature, idempotencyKey ? { idempotencyKey } : {});
    return json(result.success ? 200 : 402, result);
  });

  const stats = signedIn(async (account) => json(200, await tollgate.getTokenStats(account)));

  const routes: Array<{ method: string; pattern: RegExp; handler: Handler }> = [
    { method: "GET", pattern: /^\/api\/balance\/?$/, handler: balance },
    { method: "GET", pattern: /^\/api\/usage\/chat\/[^/]+\/?$/, handler: chatUsage },
    { method: "POST", pattern: /^\/api\/v1\/tokens\/check-balance\/?$/, handler: checkBalance },
    { method: "GET", pattern: /^\/api\/v1\/tokens\/stats\/?$/, handler: stats },
  ];

  const handle: Handler = async (request) => {
    const path = new URL(request.url).pathname;
    const matching = routes.filter((route) => route.pattern.test(path));
    if (matching.length === 0) return problem(404, "not_found", `No route ${path}.`);
    const route = matching.find((candidate) => candidate.method === request.method);
    if (!route) {
      return problem(405, "method_not_allowed", `${request.method} is not served at ${path}.`, {
        allow: matching.map((candidate) => candidate.method).join(", "),
      });
    }
    return route.handler(request);
  };

  return { handle, balance, chatUsage, checkBalance, stats };
}

function emptyForUnknown(error: unknown): [] {
  // An account Tollgate has not seen yet (a user who just signed up) has no balances.
  if (error instanceof TollgateError && error.code === "not_found") return [];
  throw error;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

function problem(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return json(status, { error: { code, message } }, headers);
}
