// Bundles the widget (packages/react/src/widget/tollgate-widget.tsx) into one browser script,
// React included, minified: what GET /widget.js serves. scripts/build.mjs writes it to
// dist/widget.js; the browser tests build their own copy with the same options.
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The options every browser bundle of the repo's React code is built with. */
export const BROWSER_BUNDLE = Object.freeze({
  absWorkingDir: root,
  bundle: true,
  platform: "browser",
  format: "iife",
  target: "es2020",
  jsx: "automatic",
  loader: { ".css": "text" },
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "none",
  logLevel: "warning",
});

/**
 * Returns the repo's files the script was built from (for dist/build-inputs.json).
 *
 * @example
 * await buildWidget({ outfile: "dist/widget.js" });
 */
export async function buildWidget({ outfile }) {
  const result = await esbuild.build({
    ...BROWSER_BUNDLE,
    entryPoints: ["packages/react/src/widget/tollgate-widget.tsx"],
    outfile,
    minify: true,
    metafile: true,
  });
  return Object.keys(result.metafile.inputs).filter((input) => !input.includes("node_modules/"));
}
