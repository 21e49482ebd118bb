import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cliWorkspace, json, type Run, tollgate } from "./cli-harness.ts";

/**
 * End to end: `tollgate import` in child processes, on PGlite and (when reachable) PostgreSQL:
 * a file of more rows than one request carries, imported twice and reordered, a dry run, refused
 * rows and a malformed file. The route itself is tested in packages/server/src/http/v1.
 */
const CONFIG = { units: [{ unit: "credits", scale: 2 }] };

const { workDir, configPath, targets } = await cliWorkspace({ prefix: "cli-import", config: CONFIG });

/** 1,200 rows: each of 400 organizations three times, the same row each time, across two requests. */
const ROWS = Array.from({ length: 1200 }, (_, index) => `organization:org-${index % 400},1.50`);
const file = (name: string, lines: string[]) => {
  const path = join(workDir, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
};
const BALANCES = file("balances.csv", ["account,amount", ...ROWS]);
/** The same rows last first, and the columns the other way round. */
const REORDERED = file("reordered.csv", [
  "amount,account",
  ...ROWS.map((row) => row.split(",").reverse().join(",")).reverse(),
]);

interface ImportJson {
  rows: number;
  summary: { applied: number; alreadyApplied: number; refused: number };
  refused: Array<{ line: number; code: string }>;
  results: Array<{ line: number; account: string; status: string; balance?: string; balanceAfter?: string }>;
}

for (const target of targets) {
  describe(`tollgate import on ${target.name}`, () => {
    let env: Record<string, string>;
    const run = (...args: string[]) => tollgate(args, env, workDir);
    const imported = async (...args: string[]) => json(await run("import", ...args, "--json")) as ImportJson;
    before(() => {
      env = { ...target.freshEnv(), TOLLGATE_CONFIG: configPath };
    });
    after(() => target.cleanup());

    test("a dry run writes nothing; the import applies every row once, however often or in whatever order", async () => {
      const dry = await imported(BALANCES, "--dry-run");
      assert.deepEqual([dry.rows, dry.summary], [1200, { applied: 1200, alreadyApplied: 0, refused: 0 }]);
      const lastOfOrg0 = (result: ImportJson) =>
        result.results.filter((row) => row.account === "organization:org-0").at(-1);
      assert.equal(lastOfOrg0(dry)?.balanceAfter, "4.50", "three grants of 1.50, the third in the second request");

      const first = await imported(BALANCES);
      assert.deepEqual(first.summary, { applied: 1200, alreadyApplied: 0, refused: 0 }, "the dry run wrote nothing");
      assert.deepEqual(
        first.results.slice(0, 2).map((row) => [row.line, row.status]),
        [
          [2, "applied"],
          [3, "applied"],
        ],
      );
      assert.equal(lastOfOrg0(first)?.balance, "4.50");

      assert.deepEqual((await imported(BALANCES)).summary, { applied: 0, alreadyApplied: 1200, refused: 0 });
      assert.deepEqual((await imported(REORDERED, "--format", "csv")).summary, {
        applied: 0,
        alreadyApplied: 1200,
        refused: 0,
      });
    });

    test("refused rows are reported by line and the others apply; exit 1", async () => {
      const path = file("mixed.jsonl", [
        JSON.stringify({ account: "user:alice", amount: "10", source: "promo" }),
        "",
        JSON.stringify({ account: "user:alice", amount: "1", unit: "gold" }),
        JSON.stringify({ account: "user:bob", amount: "1.005" }),
        JSON.stringify({ account: "user:carol", amount: "5", expiresAt: "2020-01-01T00:00:00Z" }),
      ]);
      const human: Run = await run("import", path);
      assert.equal(human.code, 1, human.stderr);
      assert.match(human.stdout, /1 applied, 0 already applied, 3 refused \(4 rows\)/);
      assert.match(human.stdout, /line 3: unit_not_found: no unit "gold"/);
      assert.match(human.stdout, /line 4: invalid_amount: .*decimal places/);
      assert.match(human.stdout, /line 5: invalid_expiry/);
      const again = await run("import", path, "--json");
      assert.equal(again.code, 1);
      const report = JSON.parse(again.stdout) as ImportJson;
      assert.deepEqual(report.summary, { applied: 0, alreadyApplied: 1, refused: 3 });
      assert.deepEqual(
        report.refused.map((row) => [row.line, row.code]),
        [
          [3, "unit_not_found"],
          [4, "invalid_amount"],
          [5, "invalid_expiry"],
        ],
      );
    });

    test("a malformed file is refused whole, every problem named by its line; exit 2, nothing sent", async () => {
      const path = file("malformed.csv", ["account,amount", "user:dave,3", "dave,3", "user:dave,-3"]);
      const refused = await run("import", path);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /malformed\.csv:3: account: /);
      assert.match(refused.stderr, /malformed\.csv:4: amount: /);
      assert.match(refused.stderr, /2 problems in .*nothing was imported/);
      const dry = await imported(file("dave.csv", ["account,amount", "user:dave,3"]), "--dry-run");
      assert.equal((dry.results[0] as { accountExists?: boolean }).accountExists, false, "dave was not created");
      assert.equal((await run("import", join(workDir, "balances.txt"))).code, 2, "no format from the extension");
    });
  });
}
