import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A bench server's life in its child process: listen on a free port of 127.0.0.1, print
 * `{"url": …}` as one line for the suite that started it, and stop, connections and all, when
 * the suite closes the process's stdin.
 *
 * @example
 * serveUntilStdinEnds(createServer(answer));
 */
export function serveUntilStdinEnds(server: Server): void {
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  });
  process.stdin.on("end", () => {
    server.close();
    server.closeAllConnections();
  });
  process.stdin.resume();
}
