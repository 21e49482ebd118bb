import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { openDatabase } from "../open-database.ts";
import { initialiseFromTemplate, pgliteTemplate, templateTarball } from "./data-dir-template.ts";

const template = pgliteTemplate();
const made = template !== null && existsSync(template.root);
const root = mkdtempSync(join(tmpdir(), "tollgate-template-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Opens the directory as the store does and runs one statement. */
async function opens(dataDir: string): Promise<void> {
  const sql = await openDatabase({ dataDir });
  try {
    assert.deepEqual(await sql.query("select 1 as one"), [{ one: 1 }]);
  } finally {
    await sql.close();
  }
}

// npm ci and the test runner make the template (scripts/build.mjs).
describe("new PGlite databases from the template", {
  skip: made ? false : "no template: npm run build makes it",
}, () => {
  test("a new data directory is a copy of it, and the directory's own files stay", async () => {
    const dataDir = join(root, "new");
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, "tollgate.lock"), "held");
    assert.equal(initialiseFromTemplate(dataDir), true);
    assert.ok(existsSync(join(dataDir, "PG_VERSION")));
    assert.ok(existsSync(join(dataDir, "tollgate.lock")));
    await opens(dataDir);
    assert.equal(initialiseFromTemplate(dataDir), false, "a directory that holds a database is left alone");
  });

  test("a copy cut short (no PG_VERSION yet) is made again, then opens", async () => {
    const dataDir = join(root, "cut-short");
    mkdirSync(dataDir);
    const [first] = readdirSync(template?.dataDir ?? "").filter((entry) => entry !== "PG_VERSION");
    cpSync(join(template?.dataDir ?? "", first ?? ""), join(dataDir, first ?? ""), { recursive: true });
    assert.equal(initialiseFromTemplate(dataDir), true);
    await opens(dataDir);
  });

  test("an in-memory database loads the template's tarball", async () => {
    assert.ok((templateTarball()?.size ?? 0) > 0);
    assert.equal(templateTarball(), templateTarball(), "read once per process");
    await opens("memory://");
  });
});
