/**
 * The ceiling of the HTTP figures: a bare `node:http` server answering "hello world", in a
 * child process as the Tollgate server is, driven by the same loads (the charges' closed
 * loop, the balance reads' fixed rate). Prints `{"url": …}` when listening; exits when its
 * stdin closes. Run by http-suite.ts.
 */
import { createServer } from "node:http";
import { serveUntilStdinEnds } from "./child-server.ts";

const BODY = "hello world";

// With its length, as Tollgate answers: the paced reads' client (http-get-connections.ts) reads nothing else.
const server = createServer((_request, response) => {
  response.writeHead(200, { "content-type": "text/plain", "content-length": BODY.length });
  response.end(BODY);
});
serveUntilStdinEnds(server);
