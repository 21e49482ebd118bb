import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { LOCK_FILE, lockDataDir } from "./data-dir-lock.ts";

const root = mkdtempSync(join(tmpdir(), "tollgate-lock-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("a second holder waits for the first, then takes the directory", async () => {
  const dir = join(root, "wait");
  const first = await lockDataDir(dir);
  let waiting = (_holder: string) => {};
  const waitedFor = new Promise<string>((resolve) => {
    waiting = resolve;
  });
  const second = lockDataDir(dir, { pollMs: 10, onWait: (holder) => waiting(holder) });
  assert.match(await waitedFor, new RegExp(`process ${process.pid}`));
  first.release();
  (await second).release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
});

test("a holder that never lets go is named in the error", async () => {
  const dir = join(root, "busy");
  const first = await lockDataDir(dir);
  await assert.rejects(lockDataDir(dir, { waitMs: 30, pollMs: 10 }), /in use by process \d+.*DATABASE_URL/s);
  first.release();
});

test("a lock left by a process that is gone is taken over", async () => {
  const dir = join(root, "stale");
  await lockDataDir(dir).then((lock) => lock.release());
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, command: "crashed" }));
  const lock = await lockDataDir(dir, { waitMs: 100 });
  lock.release();
});

test("a lock file left empty by a crash mid-write is taken over once it is old", async () => {
  const dir = join(root, "empty");
  await lockDataDir(dir).then((lock) => lock.release());
  writeFileSync(join(dir, LOCK_FILE), "");
  await assert.rejects(lockDataDir(dir, { waitMs: 30, pollMs: 10 }), /in use by another process/);
  const minuteAgo = new Date(Date.now() - 60_000);
  utimesSync(join(dir, LOCK_FILE), minuteAgo, minuteAgo);
  (await lockDataDir(dir, { waitMs: 100 })).release();
});
