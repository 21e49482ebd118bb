#!/usr/bin/env node
// Runs the test files it is given in the order given, two at a time, with the spec reporter
// and then the slowest files (scripts/slowest-files-reporter.mjs). `node --test` would sort the
// files by name; run-tests.mjs orders them so the longest start first. Run under
// `node --import tsx`, which every test process inherits.
import { run } from "node:test";
import { spec } from "node:test/reporters";
import slowestFiles from "./slowest-files-reporter.mjs";

// A file that hangs fails after 15 minutes instead of holding the run (and CI) forever; the
// longest, the soak, takes about 2.5 minutes.
const stream = run({ files: process.argv.slice(2), concurrency: 2, timeout: 15 * 60_000 });
stream.on("test:fail", () => {
  process.exitCode = 1;
});
stream.compose(spec).pipe(process.stdout);
stream.compose(slowestFiles).pipe(process.stdout);
