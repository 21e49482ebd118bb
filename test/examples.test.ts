// The runnable examples must keep running: each is executed as a user would run it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const examples = readdirSync(new URL("../examples/", import.meta.url)).filter((file) => file.endsWith(".ts"));

for (const example of examples) {
  test(`examples/${example} runs`, async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", `examples/${example}`], { timeout: 60_000 });
    assert.ok(stdout.length > 0, "prints what it did");
  });
}
