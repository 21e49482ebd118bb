import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { ApiError } from "../api-error.ts";

/**
 * Where `npm run build` writes the widget: beside the server's bundle (dist/widget.js), which is
 * where this module's code runs from in a built server. Run from its sources (tests), the file is
 * not there, and a test passes the path of a copy it built.
 */
export const DEFAULT_WIDGET_SCRIPT_PATH = fileURLToPath(new URL("widget.js", import.meta.url));

/** Browsers may keep the script this long (seconds): a new release is picked up within it. */
export const WIDGET_MAX_AGE_S = 300;

/**
 * `GET /widget.js`: the `<tollgate-balance>` and `<tollgate-usage>` web components for pages
 * that are not React apps (packages/react/src/widget). No key: the script is the same for
 * everyone, and the customer token goes in the elements' attributes. Read once, then kept.
 */
export function widgetRoute(options: { scriptPath: string }) {
  let script: Promise<string> | null = null;
  return new Hono().get("/widget.js", async (c) => {
    script ??= readFile(options.scriptPath, "utf8");
    let body: string;
    try {
      body = await script;
    } catch (error) {
      script = null;
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      throw new ApiError("not_found", "The widget is not built: run `npm run build` (it writes dist/widget.js).");
    }
    return c.body(body, 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": `public, max-age=${WIDGET_MAX_AGE_S}`,
      "X-Content-Type-Options": "nosniff",
    });
  });
}
