import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

/**
 * The page's script, built when the example starts (about a second, React included), kept in
 * memory: no build step and no files to go stale. esbuild is the repository's own bundler
 * (scripts/build-widget.mjs builds the widget the same way).
 *
 * @example
 * const pageScript = await bundlePage();
 */
export async function bundlePage(): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL("page.tsx", import.meta.url))],
    bundle: true,
    write: false,
    platform: "browser",
    format: "iife",
    target: "es2020",
    jsx: "automatic",
    // The components' stylesheet, imported as text and put in a <style> by the page.
    loader: { ".css": "text" },
    define: { "process.env.NODE_ENV": '"production"' },
    minify: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const [script] = result.outputFiles;
  if (!script) throw new Error("esbuild wrote no script for the page");
  return script.text;
}
