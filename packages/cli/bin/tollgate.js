#!/usr/bin/env node
// The `tollgate` command: runs the compiled bundle in dist/ (scripts/build.mjs; npm ci builds
// it, npm start and npm test rebuild it first). Compiling the TypeScript sources at each start
// took seconds; the bundle starts in a fraction of one. A source edited after the last build
// is named on stderr, so old JavaScript never runs without a word.
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";

const root = new URL("../../../", import.meta.url);
const entry = new URL("dist/tollgate.js", root);
const inputs = new URL("dist/build-inputs.json", root);

let build;
try {
  build = JSON.parse(readFileSync(inputs, "utf8"));
} catch {
  process.stderr.write(
    `error: not_built: there is no compiled build at ${fileURLToPath(entry)}: run \`npm run build\` (npm ci runs it too)\n`,
  );
  process.exit(3);
}
const changed = build.files.find((file) => {
  try {
    return statSync(new URL(file, root)).mtimeMs > build.startedAtMs;
  } catch {
    return true; // removed or renamed since the build
  }
});
if (changed) {
  process.stderr.write(
    `warning: ${changed} changed after the last build, so this runs the code from before it: run \`npm run build\` (npm start and npm test rebuild by themselves)\n`,
  );
}
// A one-shot command runs PGlite's WebAssembly as V8's baseline compiler (Liftoff) makes it:
// optimizing it as well (TurboFan, in background threads) cost more CPU than such a command
// runs for, and held its exit back by a quarter of a second (docs/operating/benchmarks.md).
// `serve` runs long enough to gain from it. A command whose arguments merely contain "serve"
// keeps it too: only its speed differs.
if (!process.argv.slice(2).includes("serve")) setFlagsFromString("--liftoff-only");
// Stack traces point into the sources when asked for them (TOLLGATE_DEBUG=1 prints them).
if (process.env.TOLLGATE_DEBUG === "1") process.setSourceMapsEnabled(true);
await import(entry.href);
