/**
 * Where a process's CPU went, from a V8 `.cpuprofile` (the HTTP bench server's, with
 * TOLLGATE_BENCH_HTTP_PROFILE, or the proxy server's, with
 * TOLLGATE_BENCH_PROXY_PROFILE): self time by package or source file, and the heaviest
 * functions, as plain text. Run: `node --import tsx bench/cpu-profile-top.ts file.cpuprofile`.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const ROWS = 25;
const file = process.argv[2];
if (!file) throw new Error("usage: cpu-profile-top.ts file.cpuprofile");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const sampleMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
const hits = (node: ProfileNode) => node.hitCount ?? 0;
const total = profile.nodes.reduce((sum, node) => sum + hits(node), 0);

/** `node_modules/undici`, `packages/store/src/ledger.ts`, `node:internal/...`, or what V8 calls it. */
function place(url: string, functionName: string): string {
  if (!url) return `(${functionName || "native"})`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return `node_modules/${modules[1]}`;
  const source = /\/((?:packages|bench)\/.*)$/.exec(url);
  return source ? (source[1] as string) : url;
}

function top(key: (node: ProfileNode) => string): void {
  const selfHits = new Map<string, number>();
  for (const node of profile.nodes) selfHits.set(key(node), (selfHits.get(key(node)) ?? 0) + hits(node));
  const rows = [...selfHits].sort((a, b) => b[1] - a[1]).slice(0, ROWS);
  for (const [name, count] of rows) {
    const share = ((count / total) * 100).toFixed(1).padStart(5);
    process.stdout.write(`${share}%  ${(count * sampleMs).toFixed(0).padStart(7)} ms  ${name}\n`);
  }
}

process.stdout.write(`${total} samples, ${(total * sampleMs).toFixed(0)} ms\n\nSelf time by place:\n`);
top((node) => place(node.callFrame.url, node.callFrame.functionName));
process.stdout.write("\nSelf time by function:\n");
top(
  ({ callFrame }) =>
    `${callFrame.functionName || "(anonymous)"} ${place(callFrame.url, callFrame.functionName)}:${callFrame.lineNumber + 1}`,
);
