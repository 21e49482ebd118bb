// The dashboard's files at / beside the API: index.html revalidated and unframeable, hashed
// assets cached for good, nothing outside the build, and the API's routes untouched.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Hono } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { dashboardFiles, findDashboardDirectory } from "./dashboard-files.ts";

function builtDashboard(): string {
  const directory = mkdtempSync(join(tmpdir(), "tollgate-dashboard-"));
  mkdirSync(join(directory, "assets"));
  writeFileSync(join(directory, "index.html"), "<!doctype html><title>Tollgate</title>");
  writeFileSync(join(directory, "assets", "index-abc123.js"), "console.log(1)");
  return directory;
}

test("index.html at /, revalidated, with a CSP that forbids framing", async () => {
  const app = dashboardFiles({ directory: builtDashboard() });
  const response = await app.request("/");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(response.headers.get("cache-control"), "no-cache");
  assert.match(response.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
  assert.match(await response.text(), /<title>Tollgate/);
});

test("hashed assets are cached for good", async () => {
  const response = await dashboardFiles({ directory: builtDashboard() }).request("/assets/index-abc123.js");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.match(response.headers.get("cache-control") ?? "", /immutable/);
});

test("a path the build did not write falls through to the app's other routes", async () => {
  const app = new Hono<AppEnv>();
  app.route("/", dashboardFiles({ directory: builtDashboard() }));
  app.get("/healthz", (c) => c.text("ok"));
  assert.equal(await (await app.request("/healthz")).text(), "ok");
  assert.equal((await app.request("/../../etc/passwd")).status, 404);
  assert.equal((await app.request("/assets/missing.js")).status, 404);
});

test("findDashboardDirectory finds a dist/dashboard above the code, never the unbuilt sources", () => {
  const root = mkdtempSync(join(tmpdir(), "tollgate-repo-"));
  mkdirSync(join(root, "dist", "dashboard"), { recursive: true });
  writeFileSync(join(root, "dist", "dashboard", "index.html"), "");
  mkdirSync(join(root, "packages", "dashboard", "src"), { recursive: true });
  writeFileSync(join(root, "packages", "dashboard", "index.html"), "");
  assert.equal(findDashboardDirectory(join(root, "packages", "server", "x.ts")), join(root, "dist", "dashboard"));
  assert.equal(findDashboardDirectory(join(root, "dist", "tollgate.js")), join(root, "dist", "dashboard"));
  assert.equal(findDashboardDirectory(join(mkdtempSync(join(tmpdir(), "tollgate-none-")), "x.js")), null);
});
