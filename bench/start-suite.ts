import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { percentile } from "./measure.ts";
import { type FigureSink, progress } from "./report.ts";
import { runNode, serveUntilReady, TOLLGATE_BIN } from "./start-processes.ts";

/** What the start part measures with; `main.ts` sets the real counts, the smoke test tiny ones. */
export interface StartSettings {
  /** Cold starts per figure, whose median is the figure (5). */
  starts: number;
  /** Rounds run first and not counted: the build's files and the data directory reach the page cache (1). */
  warmups: number;
}

/** The account `balance` reads: created and funded once, before the first start. */
const ACCOUNT = ["--type", "user", "--external-id", "start-bench"];

/**
 * A bare PGlite open of a data directory, with nothing of Tollgate: the floor under every
 * command on the embedded database. Run from the repository, where PGlite is installed, with
 * the V8 flag the bin gives one-shot commands (--liftoff-only, packages/cli/bin/tollgate.js).
 */
const PGLITE_OPEN = `
import { PGlite } from "@electric-sql/pglite";
const db = await PGlite.create(process.argv[1]);
await db.query("select 1");
await db.close();
`;

interface Start {
  name: string;
  /** One cold start, in a new process; resolves to its milliseconds. */
  run(): Promise<number>;
}

/**
 * How long a `tollgate` process takes to start, each figure the median of `starts` cold
 * starts in child processes on the embedded PGlite, and in the same run the floors they stand
 * on: a Node.js process doing nothing, and a bare PGlite open of the same directory. The
 * starts run in rounds, one of each per round, so a busy moment of the machine slows every
 * figure of its round alike and the ratios to the floors hold. Figures are `start.*`; see
 * docs/operating/benchmarks.md.
 */
export async function runStartSuite(
  settings: StartSettings,
  options: { sink: FigureSink; log?: (message: string) => void },
): Promise<void> {
  const log = (message: string) => (options.log ?? progress)(`start: ${message}`);
  const workDir = mkdtempSync(join(tmpdir(), "tollgate-start-bench-"));
  try {
    const dataDir = join(workDir, "data");
    const env = { DATABASE_URL: "", TOLLGATE_DATA_DIR: dataDir };
    log(`a data directory with one funded account in ${dataDir}`);
    await runNode([TOLLGATE_BIN, "accounts", "create", ...ACCOUNT], { env });
    await runNode([TOLLGATE_BIN, "grant", ...ACCOUNT, "--amount", "100", "--source", "promo"], { env });
    let fresh = 0;
    const starts: Start[] = [
      { name: "node", run: () => runNode(["-e", ""]) },
      { name: "help", run: () => runNode([TOLLGATE_BIN, "--help"], { env }) },
      {
        name: "pglite_open",
        run: () => runNode(["--liftoff-only", "--input-type=module", "-e", PGLITE_OPEN, dataDir]),
      },
      { name: "balance_pglite", run: () => runNode([TOLLGATE_BIN, "balance", ...ACCOUNT, "--json"], { env }) },
      { name: "serve_ready_pglite", run: () => serveUntilReady({ env }) },
      // A new data directory each time: copied from the PGlite template (packages/store).
      {
        name: "serve_ready_fresh_pglite",
        run: () => serveUntilReady({ env: { ...env, TOLLGATE_DATA_DIR: join(workDir, `fresh-${fresh++}`) } }),
      },
    ];
    const times = new Map<string, number[]>(starts.map((start) => [start.name, []]));
    for (let round = 0; round < settings.warmups + settings.starts; round++) {
      const counted = round >= settings.warmups;
      log(`round ${round + 1} of ${settings.warmups + settings.starts}${counted ? "" : " (warm-up, not counted)"}`);
      for (const start of starts) {
        const ms = await start.run();
        if (counted) times.get(start.name)?.push(ms);
      }
    }
    const median = (name: string) => percentile(times.get(name) ?? [], 50);
    for (const start of starts) {
      const all = times.get(start.name) ?? [];
      options.sink({
        bench: `start.${start.name}_ms`,
        value: median(start.name),
        unit: "ms",
        starts: all.length,
        min_ms: Math.round(Math.min(...all)),
        max_ms: Math.round(Math.max(...all)),
      });
    }
    const ratio = (name: string, value: number) => options.sink({ bench: `start.${name}`, value, unit: "x" });
    ratio("help.vs_node", median("help") / median("node"));
    ratio("balance_pglite.vs_pglite_open", median("balance_pglite") / median("pglite_open"));
    ratio("serve_ready_pglite.vs_pglite_open", median("serve_ready_pglite") / median("pglite_open"));
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
