import type { IncomingMessage, ServerResponse } from "node:http";

/** Where the app mounts Tollgate on its own origin: the page calls `/billing/v1/…` and `/billing/openai/v1/…`. */
export const TOLLGATE_PATH = "/billing";

/** The request headers Tollgate reads; the app's own (cookies, say) stay with the app. */
const FORWARDED_REQUEST_HEADERS = [
  "authorization",
  "content-type",
  "accept",
  "idempotency-key",
  "x-tollgate-conversation",
];

/** The most a request body may carry here: Tollgate's own proxy limit (TOLLGATE_PROXY_BODY_LIMIT_BYTES' default). */
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * Answer headers not passed on: those about the one connection (the app's own connection to the
 * browser sets its own), and the encoding, since `fetch` hands over the body already decoded.
 */
const ANSWER_HEADERS_KEPT_BACK = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
]);

/**
 * Passes a request under `/billing/` on to Tollgate and streams the answer back as it comes,
 * Server-Sent Events included: the page and the API then share an origin, which Tollgate needs
 * while it sends no CORS headers. A deployment does the same with its reverse proxy (a
 * `location /billing/` block, a Next.js rewrite) and needs none of this code.
 *
 * @example
 * if (url.pathname.startsWith(`${TOLLGATE_PATH}/`)) return forwardToTollgate(request, response, tollgateUrl);
 */
export async function forwardToTollgate(
  request: IncomingMessage,
  response: ServerResponse,
  tollgateUrl: string,
): Promise<void> {
  // Appended, never resolved against the base: `/billing//elsewhere.example/` stays on Tollgate.
  const target = new URL(`${tollgateUrl}${(request.url ?? "/").slice(TOLLGATE_PATH.length)}`);
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers[name];
    if (typeof value === "string") headers.set(name, value);
  }
  // The page's requests are small JSON bodies: read whole (up to the limit), then sent.
  const chunks: Buffer[] = [];
  let bodyBytes = 0;
  for await (const chunk of request) {
    bodyBytes += (chunk as Buffer).length;
    if (bodyBytes > BODY_LIMIT_BYTES) {
      response.writeHead(413, { "content-type": "text/plain", connection: "close" }).end("the request is too large");
      return;
    }
    chunks.push(chunk as Buffer);
  }
  // A browser that goes away (a closed tab ends its balance stream) ends the call to Tollgate too.
  const gone = new AbortController();
  response.on("close", () => gone.abort());
  const answer = await fetch(target, {
    method: request.method ?? "GET",
    headers,
    ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    signal: gone.signal,
  });
  const answerHeaders: Record<string, string> = {};
  for (const [name, value] of answer.headers) if (!ANSWER_HEADERS_KEPT_BACK.has(name)) answerHeaders[name] = value;
  response.writeHead(answer.status, answerHeaders);
  // Sent at once: a stream's first event may be a while coming.
  response.flushHeaders();
  if (answer.body) for await (const chunk of answer.body) response.write(chunk);
  response.end();
}
