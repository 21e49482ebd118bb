/**
 * The floor of the proxy's latency figures: a bare pass-through proxy on `node:http` and
 * `undici`, the HTTP client Tollgate's proxy calls its upstream with, in a child process as
 * Tollgate is. No authentication, no metering, no parsing: it forwards the body to the same
 * path on the upstream (argv[2], an origin) and streams the answer back as it arrives. What
 * Tollgate adds over this is what metering costs; what this adds over calling the upstream
 * directly is what any proxy costs on this machine. Prints `{"url": …}` when listening;
 * exits when its stdin closes. Run by proxy-suite.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { request } from "undici";
import { serveUntilStdinEnds } from "./child-server.ts";

const upstream = new URL(process.argv[2] ?? "");

const server = createServer((incoming, outgoing) => {
  forward(incoming, outgoing).catch(() => {
    if (!outgoing.headersSent) outgoing.writeHead(502).end();
    else outgoing.destroy();
  });
});
server.keepAliveTimeout = 60_000;
serveUntilStdinEnds(server);

async function forward(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  // The body is read whole, as Tollgate reads it, then sent: a proxy that holds a call must see it first.
  const chunks: Buffer[] = [];
  for await (const chunk of incoming as AsyncIterable<Buffer>) chunks.push(chunk);
  const answer = await request(new URL(incoming.url ?? "/", upstream), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: Buffer.concat(chunks),
  });
  const contentType = answer.headers["content-type"];
  outgoing.writeHead(answer.statusCode, contentType ? { "content-type": contentType } : {});
  await pipeline(answer.body, outgoing);
}
