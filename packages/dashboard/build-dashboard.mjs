// Builds the operator dashboard into dist/dashboard with Vite (scripts/build.mjs calls it, so
// `npm ci` and `npm start` build it). Skipped when the build is newer than every source: a
// start should not pay for a build it already has. Needs nothing from the network.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));

/** Newest modification time among the files under `path`, in ms. */
function newestMs(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMs(join(path, name))));
}

/**
 * @example
 * await buildDashboard({ outDir: "/repo/dist/dashboard", log: console.error });
 */
export async function buildDashboard({ outDir, log = () => {} }) {
  const built = join(outDir, "index.html");
  const sources = [join(here, "src"), join(here, "index.html"), join(here, "build-dashboard.mjs")];
  if (existsSync(built) && statSync(built).mtimeMs > Math.max(...sources.map(newestMs))) return;
  const startedAtMs = Date.now();
  const [{ build }, { default: react }] = await Promise.all([import("vite"), import("@vitejs/plugin-react")]);
  await build({
    root: here,
    configFile: false,
    base: "/",
    logLevel: "warn",
    plugins: [react()],
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
  log(`built the dashboard into ${outDir} in ${Date.now() - startedAtMs} ms`);
}
