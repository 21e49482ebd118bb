// A node:test reporter printed after the spec reporter: the ten test files that took longest,
// so the suite's time has names, then the run's counts again as its closing line (the spec
// reporter's summary is above the list). A file's time is its own process's, from start to
// exit (node's `test:complete` for the file), not the sum of its tests: two files run at
// once, so the times add up to about twice the run's.
import { relative, resolve } from "node:path";

/** How many files the list names: TOLLGATE_TEST_SLOWEST=all names every one, to compare two runs. */
const SHOWN = process.env.TOLLGATE_TEST_SLOWEST === "all" ? Number.POSITIVE_INFINITY : 10;

export default async function* slowestFiles(source) {
  const files = [];
  const counts = {};
  for await (const event of source) {
    const { data } = event;
    if (event.type === "test:diagnostic" && data.nesting === 0) {
      const count = /^(pass|fail|cancelled|skipped) (\d+)$/.exec(data.message);
      if (count) counts[count[1]] = Number(count[2]);
    }
    if (event.type !== "test:complete" || data.nesting !== 0 || data.file === undefined) continue;
    // The file's own test is named by its path as given to the runner; its tests by their names.
    if (resolve(data.name) !== data.file) continue;
    files.push({ file: relative(process.cwd(), data.file), seconds: data.details.duration_ms / 1000 });
  }
  if (files.length > 0) {
    files.sort((a, b) => b.seconds - a.seconds);
    const width = files[0].seconds.toFixed(1).length;
    yield `\nslowest test files (each file's own process, start to exit; ${files.length} files; TOLLGATE_TEST_SLOWEST=all lists all):\n`;
    for (const { file, seconds } of files.slice(0, SHOWN)) yield `  ${seconds.toFixed(1).padStart(width)} s  ${file}\n`;
  }
  if (counts.pass !== undefined) {
    // A cancelled test (its file crashed or timed out) did not pass: it counts as failed.
    const failed = (counts.fail ?? 0) + (counts.cancelled ?? 0);
    yield `\ntests: ${counts.pass} passed, ${failed} failed, ${counts.skipped ?? 0} skipped\n`;
  }
}
