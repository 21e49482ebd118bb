import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Hono } from "hono";
import { errorHandler } from "../error-handler.ts";
import { widgetRoute } from "./widget-route.ts";

const directory = await mkdtemp(join(tmpdir(), "tollgate-widget-"));
after(() => rm(directory, { recursive: true, force: true }));

const appServing = (scriptPath: string) =>
  new Hono().onError(errorHandler({ info() {}, warn() {}, error() {} })).route("/", widgetRoute({ scriptPath }));

test("serves the built script as JavaScript, cacheable, without a key", async () => {
  const scriptPath = join(directory, "widget.js");
  await writeFile(scriptPath, "customElements.define('x-y', class extends HTMLElement {});");
  const response = await appServing(scriptPath).request("/widget.js");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(response.headers.get("cache-control"), "public, max-age=300");
  assert.match(await response.text(), /customElements\.define/);
});

test("a server whose widget was never built says how to build it", async () => {
  const response = await appServing(join(directory, "missing.js")).request("/widget.js");
  assert.equal(response.status, 404);
  const body = (await response.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, "not_found");
  assert.match(body.error.message, /npm run build/);
});
