/**
 * Builds a broken tollgate (a Mutant) as scripts/build.mjs builds the real one, with an esbuild
 * plugin that hands the bundler the mutant's text of one module: the sources stay untouched,
 * and the broken build is served by the same harness as the real one (server-processes.ts).
 */
import { cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import type { Mutant } from "./mutants/mutant.ts";
import type { ServerCommand } from "./server-processes.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// Inside the repository, so the bundle finds what stays outside it (pglite) in node_modules.
const OUT_ROOT = join(ROOT, "node_modules", ".cache", "tollgate-mutants");

/** The mutant's module text: every replacement applied, each found exactly once. */
export function mutatedSource(mutant: Mutant): string {
  let text = readFileSync(join(ROOT, mutant.module), "utf8");
  for (const { find, replace } of mutant.replacements) {
    const count = text.split(find).length - 1;
    if (count !== 1)
      throw new Error(`${mutant.name}: ${JSON.stringify(find)} occurs ${count} times in ${mutant.module}`);
    text = text.replace(find, replace);
  }
  return text;
}

/** Bundles the `tollgate` command with the mutant's module in place of the real one; returns how to serve it. */
export async function buildMutant(mutant: Mutant): Promise<ServerCommand> {
  const outdir = join(OUT_ROOT, mutant.name);
  rmSync(outdir, { recursive: true, force: true });
  const target = join(ROOT, mutant.module);
  const contents = mutatedSource(mutant);
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { tollgate: "packages/cli/src/main.ts" },
    outdir,
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["@electric-sql/pglite", "pg-native", "gpt-tokenizer"],
    banner: {
      js: "import { createRequire as __tollgateRequire } from 'node:module';\nconst require = __tollgateRequire(import.meta.url);",
    },
    logLevel: "warning",
    plugins: [
      {
        name: "mutant",
        setup(build) {
          build.onLoad({ filter: /\.ts$/ }, (args) =>
            args.path === target ? { contents, loader: "ts", resolveDir: dirname(target) } : undefined,
          );
        },
      },
    ],
  });
  // The store reads its migrations beside its code, as in dist/.
  mkdirSync(join(outdir, "migrations"), { recursive: true });
  cpSync(join(ROOT, "packages/store/src/migrations"), join(outdir, "migrations"), { recursive: true });
  return { name: mutant.name, entry: join(outdir, "tollgate.js") };
}
