import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createTollgateClient } from "@tollgate/sdk";
import { forwardToTollgate, TOLLGATE_PATH } from "./forward-to-tollgate.ts";
import { openSession } from "./open-session.ts";

/** The page: a mount point and the bundled script (page.tsx), which asks `/api/session` for its token. */
const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Example chat · Tollgate</title>
</head>
<body>
  <div id="app"></div>
  <script src="/page.js"></script>
</body>
</html>
`;

/**
 * The signed-in user. A real app takes it from its own session (a cookie, its auth library);
 * the example has one user, so a reload shows the same balance.
 */
const USER_ID = "demo";

export interface ChatAppOptions {
  /** Where Tollgate listens; the page reaches it through this server, under `/billing/`. */
  tollgateUrl: string;
  /** The app's secret key (`tg_sk_…`): server-side only. */
  secretKey: string;
  /** The page's bundled script (bundle-page.ts). */
  pageScript: string;
  /** 0: any free port. */
  port: number;
}

/**
 * The app's own server, as small as it can be: the page, its script, one route of the app's
 * backend that opens the user's Tollgate session with the SDK, and Tollgate mounted under
 * `/billing/` on the same origin.
 *
 * @example
 * const app = await startChatApp({ tollgateUrl, secretKey, pageScript, port: 3000 });
 * console.log(app.url);
 */
export async function startChatApp(options: ChatAppOptions): Promise<{ url: string; close(): Promise<void> }> {
  const tollgate = createTollgateClient({ baseUrl: options.tollgateUrl, secretKey: options.secretKey });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://app.invalid").pathname;
    if (path.startsWith(`${TOLLGATE_PATH}/`)) return forwardToTollgate(request, response, options.tollgateUrl);
    if (request.method === "GET" && path === "/") return send(response, 200, "text/html; charset=utf-8", PAGE_HTML);
    if (request.method === "GET" && path === "/page.js")
      return send(response, 200, "text/javascript", options.pageScript);
    if (request.method === "POST" && path === "/api/session") {
      return send(response, 200, "application/json", JSON.stringify(await openSession(tollgate, USER_ID)));
    }
    send(response, 404, "text/plain", `no ${request.method} ${path} here`);
  }

  const server: Server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      console.error(`${request.method} ${request.url}: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) send(response, 502, "text/plain", "the chat app could not reach Tollgate");
      else response.destroy();
    });
  });
  server.listen(options.port, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { "content-type": contentType, "cache-control": "no-store" }).end(body);
}
