// The runnable examples must keep running: each is executed as a user would run it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { promisify } from "node:util";
import { startChatExample } from "./example-chat-process.ts";

const run = promisify(execFile);
const examples = readdirSync(new URL("../examples/", import.meta.url)).filter((file) => file.endsWith(".ts"));

for (const example of examples) {
  test(`examples/${example} runs`, async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", `examples/${example}`], { timeout: 60_000 });
    assert.ok(stdout.length > 0, "prints what it did");
  });
}

// The example chat runs until it is stopped: started as `npm run example:chat` starts it, its
// page, its script and its backend answer, a message streams through the app's /billing/ mount
// to the proxy and is charged, and SIGTERM stops it cleanly. (test/example-chat.test.ts drives
// the page itself in Chromium.)
test("examples/chat-app serves its page, streams a charged reply through /billing/, and stops", async () => {
  const example = await startChatExample({ DATABASE_URL: "" });
  try {
    const page = await fetch(example.chatUrl);
    assert.match(await page.text(), /<script src="\/page.js">/);
    const script = await fetch(new URL("/page.js", example.chatUrl));
    assert.equal(script.headers.get("content-type"), "text/javascript");
    const session = (await (await fetch(new URL("/api/session", example.chatUrl), { method: "POST" })).json()) as {
      account: string;
      token: string;
    };
    assert.equal(session.account, "user:demo");
    const reply = await fetch(new URL("/billing/openai/v1/chat/completions", example.chatUrl), {
      method: "POST",
      headers: { authorization: `Bearer ${session.token}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }], stream: true }),
    });
    assert.equal(reply.headers.get("content-type"), "text/event-stream");
    const events = await reply.text();
    assert.match(events, /: tollgate charged=24 available=976 unit=credits\n\ndata: \[DONE\]\n\n$/);
    const balances = await fetch(new URL(`/billing/v1/accounts/${session.account}/balances`, example.chatUrl), {
      headers: { authorization: `Bearer ${session.token}` },
    });
    assert.equal(((await balances.json()) as { data: Array<{ available: string }> }).data[0]?.available, "976");
    // The mount reaches Tollgate only: a path that looks like another host stays on it (its 404).
    const elsewhere = await fetch(new URL("/billing//example.invalid/healthz", example.chatUrl));
    assert.equal(elsewhere.status, 404);
    const tooLarge = await fetch(new URL("/billing/v1/usage-events", example.chatUrl), {
      method: "POST",
      body: "x".repeat(4 * 1024 * 1024 + 1),
    });
    assert.equal(tooLarge.status, 413);
  } finally {
    const { code, stdout } = await example.stop();
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^stopped$/m);
  }
});
