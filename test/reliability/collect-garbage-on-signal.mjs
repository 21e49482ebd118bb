// Preloaded into the soak test's `tollgate serve` (node --expose-gc --import this-file): SIGUSR2
// runs a full garbage collection, so the heap the test then reads from /metrics is what is
// still reachable, not wherever the collector happened to be. Test-only; the server's own code
// is unchanged.
process.on("SIGUSR2", () => globalThis.gc?.());
