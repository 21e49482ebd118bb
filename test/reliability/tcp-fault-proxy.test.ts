// The fault proxy itself: a process that used it must still exit. Resetting a socket whose end
// was under way (the pipe ends the proxy's side as a peer's FIN passes) made Node answer EINVAL
// and leak the handle, and the process then spun at 100% CPU on exit forever:
// database-faults.test.ts hung CI that way, at random, after its test had finished.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";

const CHILD = `
import { createConnection, createServer } from "node:net";
import { resetConnection } from ${JSON.stringify(new URL("./tcp-fault-proxy.ts", import.meta.url).pathname)};

const peers = new Set();
const server = createServer((socket) => peers.add(socket.on("error", () => {})));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const socket = createConnection(server.address().port, "127.0.0.1").on("error", () => {});
await new Promise((resolve) => socket.on("connect", resolve));
// The cut arrives while this side's end is under way, as the proxy's goDown() can.
socket.end();
resetConnection(socket);
await new Promise((resolve) => socket.on("close", resolve));
for (const peer of peers) peer.destroy();
server.close();
console.log("done");
`;

test("a connection cut while it was ending leaves the process free to exit", async () => {
  const child = spawn(process.execPath, [...process.execArgv, "--input-type=module", "--eval", CHILD], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  // Not a timing goal: without the fix the process never exits, and this turns the hang into a failure.
  const hung = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const [code, signal] = await once(child, "exit");
  clearTimeout(hung);
  assert.equal(output.trim(), "done");
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, "the process exited by itself");
});
