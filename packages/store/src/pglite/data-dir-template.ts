import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";

/**
 * A new PGlite database starts from a template instead of running initdb: initdb takes ~6 s
 * on a 2-core machine (a second PGlite runs it in memory, then its files are copied in),
 * copying the ~40 MB it makes takes well under one. The template is made once per installed
 * PGlite version, by PGlite itself (`npm ci` makes it: scripts/build.mjs), so a copy is
 * exactly what PGlite's own initdb would have written. Without a template (a version
 * mismatch, a bundle outside this repository), PGlite runs initdb as before.
 *
 * - `data/`: a data directory PGlite initialised and shut down cleanly, copied into a new
 *   directory file by file, `PG_VERSION` last: PGlite takes a directory with `PG_VERSION`
 *   for a database, so an interrupted copy is copied again, never opened half-made.
 * - `data.tar`: the same files as `dumpDataDir` writes them, for `memory://` databases
 *   (PGlite's `loadDataDir`); a test suite opens hundreds.
 *
 * Both are made with PGlite's default initdb options, as `openPglite` opens databases: a
 * change to those options must change the template too.
 */
export interface PgliteTemplate {
  /** packages/store/dist/pglite-<version>: made whole or not at all (a staging folder renamed). */
  readonly root: string;
  readonly dataDir: string;
  readonly tarball: string;
}

const VERSION_FILE = "PG_VERSION";

/**
 * Where the template for the installed PGlite lives (made or not), or null when it cannot
 * be located: the store's own package is found by its name, so the source and the compiled
 * bundle in dist/ find the same folder.
 */
export function pgliteTemplate(): PgliteTemplate | null {
  try {
    const store = fileURLToPath(import.meta.resolve("@tollgate/store"));
    const pglite = fileURLToPath(import.meta.resolve("@electric-sql/pglite"));
    const { version } = JSON.parse(readFileSync(join(dirname(pglite), "..", "package.json"), "utf8")) as {
      version: string;
    };
    const root = join(dirname(store), "..", "dist", `pglite-${version}`);
    return { root, dataDir: join(root, "data"), tarball: join(root, "data.tar") };
  } catch {
    return null;
  }
}

/**
 * Makes `dataDir` a copy of the template when it holds no database yet (files of its own,
 * like the data directory's lock, stay). False when there is no template: PGlite then runs
 * initdb itself.
 *
 * @example
 * initialiseFromTemplate("./.tollgate"); // then PGlite.create("./.tollgate") opens it
 */
export function initialiseFromTemplate(dataDir: string): boolean {
  if (existsSync(join(dataDir, VERSION_FILE))) return false;
  const template = pgliteTemplate();
  if (!template || !existsSync(template.root)) return false;
  mkdirSync(dataDir, { recursive: true });
  for (const entry of readdirSync(template.dataDir)) {
    if (entry !== VERSION_FILE) cpSync(join(template.dataDir, entry), join(dataDir, entry), { recursive: true });
  }
  copyFileSync(join(template.dataDir, VERSION_FILE), join(dataDir, VERSION_FILE));
  return true;
}

let tarball: { path: string; blob: Blob } | undefined;

/**
 * The template as a tarball for an in-memory database, or undefined without a template.
 * Read once per process: it is immutable, and a test process opens many databases.
 */
export function templateTarball(): Blob | undefined {
  const template = pgliteTemplate();
  if (!template || !existsSync(template.root)) return undefined;
  if (tarball?.path !== template.tarball)
    tarball = { path: template.tarball, blob: new Blob([readFileSync(template.tarball)]) };
  return tarball.blob;
}

/**
 * Makes the template for the installed PGlite unless it is there: a data directory that
 * PGlite initialised, dumped while open (`data.tar`) and then closed. Safe to run twice at
 * once: each run stages in a folder of its own, and the first to rename it into place wins.
 *
 * @example
 * await ensurePgliteTemplate({ log: console.error }); // ~6 s once, then nothing
 */
export async function ensurePgliteTemplate(options: { log?: (message: string) => void } = {}): Promise<void> {
  const template = pgliteTemplate();
  if (!template) {
    options.log?.("the PGlite template cannot be located: new data directories run initdb");
    return;
  }
  if (existsSync(template.root)) return;
  const startedAtMs = Date.now();
  const staging = `${template.root}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const db = await PGlite.create(join(staging, "data"));
    try {
      await db.query("select 1");
      const dump = await db.dumpDataDir("none");
      await writeFile(join(staging, "data.tar"), new Uint8Array(await dump.arrayBuffer()));
    } finally {
      await db.close();
    }
    renameSync(staging, template.root);
    options.log?.(`made the PGlite template ${template.root} in ${Date.now() - startedAtMs} ms`);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another run renamed its template into place first: that one is as good.
    if (!existsSync(template.root)) throw error;
  }
}
