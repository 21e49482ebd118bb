import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { BROWSER_BUNDLE, buildWidget } from "../../scripts/build-widget.mjs";

/**
 * The browser code the tests load: the widget exactly as `npm run build` makes it (into a
 * directory of the test's own, so a test never depends on, nor changes, dist/), and the React
 * demo page (packages/react/test/demo-page.tsx) as one script.
 */
export async function buildBrowserBundles(): Promise<{ widgetScriptPath: string; demoPageScript: string }> {
  const directory = await mkdtemp(join(tmpdir(), "tollgate-browser-"));
  const widgetScriptPath = join(directory, "widget.js");
  const demoPagePath = join(directory, "demo-page.js");
  await Promise.all([
    buildWidget({ outfile: widgetScriptPath }),
    esbuild.build({ ...BROWSER_BUNDLE, entryPoints: ["packages/react/test/demo-page.tsx"], outfile: demoPagePath }),
  ]);
  return { widgetScriptPath, demoPageScript: await readFile(demoPagePath, "utf8") };
}
