// The HTTP reference's quickstart, run as it is written: `tollgate serve` on a fresh embedded
// data directory prints the first admin key, and the quickstart's shell block, with that key
// exported and the server's address in place of the default one, runs to the end with every
// curl answered 2xx (curl --fail-with-body stops the script otherwise).
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { BIN } from "./cli-harness.ts";

const run = promisify(execFile);
const MARKER = "<!-- quickstart: the test in test/quickstart.test.ts runs this block as it is -->";

/** The shell block right after the marker in docs/reference/http-api.md. */
function quickstartScript(): string {
  const page = readFileSync(new URL("../docs/reference/http-api.md", import.meta.url), "utf8");
  const after = page.split(MARKER)[1];
  assert.ok(after, "the quickstart block is marked in http-api.md");
  const block = /```sh\n([\s\S]*?)\n```/.exec(after)?.[1];
  assert.ok(block, "a ```sh block follows the marker");
  return block;
}

const workDir = mkdtempSync(join(tmpdir(), "tollgate-quickstart-"));
after(() => rmSync(workDir, { recursive: true, force: true }));

test("the quickstart in docs/reference/http-api.md runs as written against a fresh embedded server", async () => {
  const script = quickstartScript();
  assert.match(script, /export TOLLGATE=http:\/\/127\.0\.0\.1:8787/);
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0"], {
    cwd: workDir,
    env: { ...process.env, DATABASE_URL: "", TOLLGATE_DATA_DIR: join(workDir, ".tollgate"), TOLLGATE_CONFIG: "" },
  });
  try {
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    // The key is printed after the "listening" line: wait for both, by what the output says.
    const { url, key } = await new Promise<{ url: string; key: string }>((resolve, reject) => {
      const look = () => {
        const started = stdout.split("\n").find((line) => line.includes('"listening"'));
        const key = /export TOLLGATE_KEY=(tg_sk_[A-Za-z0-9_-]{43})/.exec(stderr)?.[1];
        if (started && key) resolve({ url: JSON.parse(started).url, key });
      };
      child.stdout.on("data", look);
      child.stderr.on("data", look);
      child.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    const { stdout: printed } = await run(
      "bash",
      ["-euo", "pipefail", "-c", script.replace("http://127.0.0.1:8787", url)],
      {
        env: { ...process.env, TOLLGATE_KEY: key },
        maxBuffer: 10 * 1024 * 1024,
      },
    );
    const answers = printed
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    // One JSON answer per request line (the hold's answer is captured into a variable instead).
    const requests = (script.match(/^(post|api) /gm) ?? []).length;
    assert.equal(answers.length, requests, "every request printed one JSON answer");
    const balances = answers.find((answer) => Array.isArray(answer.data) && answer.data[0]?.lots);
    assert.ok(balances, "the balances were read");
    assert.equal(answers.at(-1).token.startsWith("tg_ct_"), true, "the browser's token was minted");
  } finally {
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
});
