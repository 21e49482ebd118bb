import assert from "node:assert/strict";
import { test } from "node:test";
import { whenBodyEnds } from "./when-body-ends.ts";

const ENCODER = new TextEncoder();

/** A body of the given pieces, then `end`: closed, or failed. */
function bodyOf(pieces: string[], end: "close" | "fail" = "close") {
  let pulled = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[pulled++];
      if (piece !== undefined) controller.enqueue(ENCODER.encode(piece));
      else if (end === "close") controller.close();
      else controller.error(new Error("cut"));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

test("read to its end: onEnd once, the bytes, status and headers unchanged", async () => {
  let ends = 0;
  const { stream } = bodyOf(["a", "b"]);
  const response = new Response(stream, { status: 201, headers: { "x-tollgate-hold-id": "hold_1" } });
  const watched = whenBodyEnds(response, () => (ends += 1));
  assert.equal(watched.status, 201);
  assert.equal(watched.headers.get("x-tollgate-hold-id"), "hold_1");
  assert.equal(ends, 0);
  assert.equal(await watched.text(), "ab");
  assert.equal(ends, 1);
});

test("failed: onEnd once, and the failure passed on", async () => {
  let ends = 0;
  const watched = whenBodyEnds(new Response(bodyOf(["a"], "fail").stream), () => (ends += 1));
  await assert.rejects(watched.text(), /cut/);
  assert.equal(ends, 1);
});

test("cancelled by its reader: onEnd once, and the source cancelled", async () => {
  let ends = 0;
  const source = bodyOf(["a", "b", "c"]);
  const watched = whenBodyEnds(new Response(source.stream), () => (ends += 1));
  const reader = (watched.body as ReadableStream<Uint8Array>).getReader();
  await reader.read();
  await reader.cancel();
  await reader.cancel();
  assert.equal(ends, 1);
  assert.equal(source.cancelled(), true);
});

test("nothing is read ahead of its reader: a slow client slows the source", async () => {
  const source = bodyOf(["a", "b", "c", "d"]);
  const watched = whenBodyEnds(new Response(source.stream), () => {});
  const reader = (watched.body as ReadableStream<Uint8Array>).getReader();
  await reader.read();
  // The source's own buffer (highWaterMark 1) may hold one more; no more than that.
  assert.ok(source.pulled() <= 2, `pulled ${source.pulled()}`);
  await reader.cancel();
});

test("no body: onEnd at once", () => {
  let ends = 0;
  whenBodyEnds(new Response(null, { status: 204 }), () => (ends += 1));
  assert.equal(ends, 1);
});

test("cancelled while a read is waiting on the source: onEnd once, and the read ends", async () => {
  let ends = 0;
  const stalled = new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => {}) }, { highWaterMark: 0 });
  const watched = whenBodyEnds(new Response(stalled), () => (ends += 1));
  const reader = (watched.body as ReadableStream<Uint8Array>).getReader();
  const pending = reader.read();
  await reader.cancel();
  assert.deepEqual(await pending, { done: true, value: undefined });
  assert.equal(ends, 1);
});
