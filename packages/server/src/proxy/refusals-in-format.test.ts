// A middleware's refusals in a provider's format: the status and body the format writes, the
// headers the middleware set kept, and anything but a refusal left to the app's error handler.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Hono } from "hono";
import { ApiError } from "../http/api-error.ts";
import { anthropicErrorFormat } from "./anthropic-error.ts";
import { refusalsInFormat } from "./refusals-in-format.ts";

test("a refusal is answered in the format, with the middleware's headers; other errors go on", async () => {
  const app = new Hono();
  app.onError(() => new Response("app's handler", { status: 500 }));
  app.use(
    "/refused",
    refusalsInFormat(async (c) => {
      c.header("connection", "close");
      throw new ApiError("request_too_large", "Too large.", { bytesMax: 10 });
    }, anthropicErrorFormat),
  );
  app.use(
    "/broken",
    refusalsInFormat(async () => {
      throw new Error("a bug");
    }, anthropicErrorFormat),
  );
  app.post("/*", (c) => c.text("reached"));

  const refused = await app.request("/refused", { method: "POST" });
  assert.equal(refused.status, 413);
  assert.equal(refused.headers.get("connection"), "close");
  assert.deepEqual(await refused.json(), {
    type: "error",
    error: { type: "request_too_large", message: "Too large.", details: { error_code: "request_too_large" } },
  });
  const broken = await app.request("/broken", { method: "POST" });
  assert.deepEqual([broken.status, await broken.text()], [500, "app's handler"]);
});
