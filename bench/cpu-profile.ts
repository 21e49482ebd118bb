import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { progress } from "./report.ts";

/**
 * V8's sampling profiler on this process, written to `file` on `stop`; null without a file.
 * The bench's server processes start it from an environment variable (Node refuses
 * `--cpu-prof` in NODE_OPTIONS); read the file with cpu-profile-top.ts.
 *
 * @example
 * const profile = await startProfile(process.env.TOLLGATE_BENCH_HTTP_PROFILE);
 * // … serve …
 * await profile?.stop();
 */
export async function startProfile(file: string | undefined): Promise<{ stop(): Promise<void> } | null> {
  if (!file) return null;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return {
    async stop() {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      progress(`CPU profile written to ${file}`);
    },
  };
}
