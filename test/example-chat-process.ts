// The example chat (examples/chat-app) as a user runs it: its own process, started by the one
// command, its URLs read from what it prints. For test/example-chat.test.ts (in Chromium) and
// test/examples.test.ts (without a browser).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

/** The running example: the chat page's URL, Tollgate's, and the operator's admin key it printed. */
export interface RunningChatExample {
  chatUrl: string;
  tollgateUrl: string;
  adminKey: string;
  /** Sends SIGTERM (Ctrl-C's sibling) and resolves with the exit code and everything it printed. */
  stop(): Promise<{ code: number | null; stdout: string }>;
}

/** A bound for a hang on a loaded machine (the start bundles React and opens a database), not a speed claim. */
const START_WAIT_MS = 120_000;

/**
 * Starts `node --import tsx examples/chat-app/main.ts` (what `npm run example:chat` runs) on a
 * free port with `env` added (DATABASE_URL and TOLLGATE_SCHEMA for PostgreSQL), and resolves once
 * it has printed both URLs.
 *
 * @example
 * const example = await startChatExample({ DATABASE_URL: "" });
 * await fetch(example.chatUrl);
 * await example.stop();
 */
export async function startChatExample(env: Record<string, string>): Promise<RunningChatExample> {
  const child = spawn(process.execPath, ["--import", "tsx", "examples/chat-app/main.ts"], {
    env: { ...process.env, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  const printed = readUrls(child, (line) => (stdout += `${line}\n`));
  const exited = once(child, "exit") as Promise<[number | null]>;
  const timer = setTimeout(() => child.kill("SIGKILL"), START_WAIT_MS);
  try {
    const urls = await Promise.race([
      printed,
      exited.then(([code]) => {
        throw new Error(`the example exited (${code}) before printing its URLs:\n${stdout}${stderr}`);
      }),
    ]);
    return {
      ...urls,
      async stop() {
        if (child.exitCode === null) child.kill("SIGTERM");
        const [code] = child.exitCode === null ? await exited : [child.exitCode];
        return { code, stdout };
      },
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the URLs and key from the example's first lines (main.ts prints them). */
function readUrls(child: ChildProcess, onLine: (line: string) => void) {
  return new Promise<Omit<RunningChatExample, "stop">>((resolve) => {
    let chatUrl = "";
    if (!child.stdout) throw new Error("the example's output is not piped");
    createInterface({ input: child.stdout }).on("line", (line) => {
      onLine(line);
      chatUrl = /^Example chat:\s+(\S+)/.exec(line)?.[1] ?? chatUrl;
      const tollgate = /^Tollgate:\s+(\S+?)\/? .*sign in with (tg_sk_\S+)\)/.exec(line);
      if (tollgate?.[1] && tollgate[2]) resolve({ chatUrl, tollgateUrl: tollgate[1], adminKey: tollgate[2] });
    });
  });
}
