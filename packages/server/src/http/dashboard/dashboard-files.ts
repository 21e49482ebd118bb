import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import type { AppEnv } from "../../app-env.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
};

/** Vite names every file under assets/ by a hash of its content: a browser may keep it for good. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * The built dashboard (dist/dashboard, `vite build`) at `/`. The files are read once, here: a
 * request can name only a file the build wrote, never a path outside it. index.html is
 * revalidated on every load (it names the current build's assets) and may not be framed.
 *
 * @example
 * app.route("/", dashboardFiles({ directory: "/srv/tollgate/dist/dashboard" }));
 */
export function dashboardFiles(options: { directory: string }): Hono<AppEnv> {
  const files = new Map<string, { body: Uint8Array; type: string; cacheControl: string }>();
  for (const entry of readdirSync(options.directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const urlPath = `/${path
      .slice(options.directory.replace(/\/$/, "").length + 1)
      .split("\\")
      .join("/")}`;
    files.set(urlPath, {
      body: readFileSync(path),
      type: CONTENT_TYPES[extname(path)] ?? "application/octet-stream",
      cacheControl: urlPath.startsWith("/assets/") ? IMMUTABLE : "no-cache",
    });
  }
  const app = new Hono<AppEnv>();
  app.get("*", async (c, next) => {
    const file = files.get(c.req.path === "/" ? "/index.html" : c.req.path);
    if (!file) return next();
    c.header("Content-Type", file.type);
    c.header("Cache-Control", file.cacheControl);
    c.header("X-Content-Type-Options", "nosniff");
    if (file.type.startsWith("text/html")) {
      c.header("X-Frame-Options", "DENY");
      c.header(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
      );
    }
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200);
  });
  return app;
}

/**
 * Where the build put the dashboard: the dist/dashboard beside the bundle this code runs from
 * (dist/*.js), or, run from source, the repository's. Null when it was not built.
 */
export function findDashboardDirectory(from: string = fileURLToPath(import.meta.url)): string | null {
  let directory = dirname(from);
  for (let depth = 0; depth < 8; depth += 1) {
    // Only a dist/dashboard: packages/dashboard holds the unbuilt index.html Vite starts from.
    const candidate =
      basename(directory) === "dist" ? join(directory, "dashboard") : join(directory, "dist", "dashboard");
    if (existsSync(join(candidate, "index.html"))) return candidate;
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  return null;
}
