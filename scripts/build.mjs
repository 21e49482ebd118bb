#!/usr/bin/env node
// Compiles the `tollgate` command into dist/ (npm ci runs this as `prepare`; npm start, npm
// test and npm run bench run it first): one ES module bundle of every package, so a start
// loads a few files instead of compiling ~250 TypeScript sources. Well under a second.
//
// What stays outside the bundle, and why:
// - @electric-sql/pglite loads its .wasm and data files relative to its own package.
// - pg-native is the optional native driver pg tries to load; it is not installed.
// - gpt-tokenizer: 4.5 MB of encodings, imported only when a prompt is counted; bundled, they
//   tripled the build's time for nothing a start would notice.
// Everything else is bundled: measured on this machine, `tollgate --help` starts about twice
// as fast from one bundle as from a bundle that imports zod, hono, pg and commander from
// node_modules (docs/operating/benchmarks.md). Dynamic imports become chunks of their own,
// loaded only when a command needs them (the price catalog, the tokenizers).
//
// Beside the bundle: migrations/ (packages/store reads its SQL files next to its code), and
// widget.js (the web components GET /widget.js serves, scripts/build-widget.mjs), and
// build-inputs.json, the files the bundle was built from, which the bin checks so that
// edited sources never run as stale JavaScript without a word.
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { buildDashboard } from "../packages/dashboard/build-dashboard.mjs";
import { buildWidget } from "./build-widget.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = `${root}dist/`;

/** The bundle's entry, as the bin imports it. */
export const ENTRY = `${dist}tollgate.js`;
/** The files the bundle was built from and when the build read them (see packages/cli/bin/tollgate.js). */
export const INPUTS = `${dist}build-inputs.json`;

// Bundled CommonJS (pg, commander, prom-client) calls require() for Node's own modules.
const BANNER =
  "import { createRequire as __tollgateRequire } from 'node:module';\nconst require = __tollgateRequire(import.meta.url);";

/**
 * Builds dist/ and, unless it is there already, the template new PGlite databases start from
 * (packages/store/src/pglite/data-dir-template.ts, bundled beside the command to run it here).
 *
 * @example
 * await build(); // then: node packages/cli/bin/tollgate.js --help
 */
export async function build({ log = () => {} } = {}) {
  const startedAtMs = Date.now();
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: {
      tollgate: "packages/cli/src/main.ts",
      "pglite-template": "packages/store/src/pglite/data-dir-template.ts",
    },
    outdir: dist,
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["@electric-sql/pglite", "pg-native", "gpt-tokenizer"],
    banner: { js: BANNER },
    // Read only when TOLLGATE_DEBUG=1 asks for stack traces (the bin turns them on then).
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    logLevel: "warning",
  });
  // Chunks of earlier builds (their names carry a hash of their content) are left-overs.
  const outputs = new Set(Object.keys(result.metafile.outputs).map((output) => relative(dist, `${root}${output}`)));
  outputs.add("widget.js");
  for (const file of readdirSync(dist)) {
    if (/\.js(\.map)?$/.test(file) && !outputs.has(file)) rmSync(`${dist}${file}`);
  }
  const widgetSources = await buildWidget({ outfile: `${dist}widget.js` });
  const migrations = "packages/store/src/migrations";
  // Copied afresh: a migration renamed or removed in the source must not linger here and run.
  rmSync(`${dist}migrations`, { recursive: true, force: true });
  mkdirSync(`${dist}migrations`, { recursive: true });
  cpSync(`${root}${migrations}`, `${dist}migrations`, { recursive: true });
  const sources = [
    ...Object.keys(result.metafile.inputs).filter((input) => !input.includes("node_modules/")),
    ...widgetSources,
  ];
  const sqlFiles = readdirSync(`${root}${migrations}`).map((file) => `${migrations}/${file}`);
  writeFileSync(INPUTS, `${JSON.stringify({ startedAtMs, files: [...sources, migrations, ...sqlFiles] }, null, 1)}\n`);
  log(`built ${relative(root, ENTRY)} from ${sources.length} files in ${Date.now() - startedAtMs} ms`);
  // The operator dashboard `tollgate serve` serves at / (packages/dashboard, built by Vite).
  await buildDashboard({ outDir: `${dist}dashboard`, log });
  const { ensurePgliteTemplate } = await import(pathToFileURL(`${dist}pglite-template.js`).href);
  await ensurePgliteTemplate({ log });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await build({ log: (message) => process.stderr.write(`${message}\n`) });
}
