import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { listMigrations } from "@tollgate/store";
import { BIN, cliWorkspace, json, tollgate } from "./cli-harness.ts";

/** End to end: the real `tollgate` binary in child processes, on PGlite and (when reachable) PostgreSQL. */
const CONFIG = {
  units: [
    { unit: "credits", scale: 0 },
    { unit: "usd", scale: 2 },
  ],
  signupGrants: { user: [{ unit: "credits", amount: "100", expiresIn: "30d" }] },
  spendOrder: "paid_first",
};

const { workDir, configPath, targets } = await cliWorkspace({ prefix: "cli", config: CONFIG });

for (const target of targets) {
  describe(`tollgate CLI on ${target.name}`, () => {
    let env: Record<string, string>;
    const run = (...args: string[]) => tollgate(args, env, workDir);
    const alice = ["--type", "user", "--external-id", "alice"];
    before(() => {
      env = { ...target.freshEnv(), TOLLGATE_CONFIG: configPath };
    });
    after(() => target.cleanup());

    test("migrate applies once, then finds nothing to do", async () => {
      const all = listMigrations().map(({ version, name }) => ({ version, name }));
      assert.deepEqual(json(await run("migrate", "--json")).applied, all);
      assert.deepEqual(json(await run("migrate", "--json")).applied, []);
    });

    test("two migrate processes at once both succeed, and only one applies", async () => {
      const fresh = { ...target.freshEnv(), TOLLGATE_CONFIG: configPath };
      const runs = await Promise.all([1, 2].map(() => tollgate(["migrate", "--json"], fresh, workDir)));
      const applied = runs.map((one) => json(one).applied.length).sort();
      assert.deepEqual(applied, [0, listMigrations().length]);
    });

    test("grant, balance, history and reconcile agree to the cent", async () => {
      const granted = json(
        await run(
          "grant",
          ...alice,
          "--amount",
          "12.50",
          "--unit",
          "usd",
          "--source",
          "purchase",
          "--expires-in",
          "30d",
          "--json",
        ),
      );
      assert.equal(granted.amount, "12.50");
      assert.match(granted.idempotencyKey, /^cli-grant-/);
      const balance = json(await run("balance", ...alice, "--json"));
      const usd = balance.balances.find((view: { unit: string }) => view.unit === "usd");
      const credits = balance.balances.find((view: { unit: string }) => view.unit === "credits");
      assert.deepEqual([usd.balance, usd.available, usd.debt, usd.lots.length], ["12.50", "12.50", "0.00", 1]);
      assert.equal(credits.balance, "100", "the signup grant came with the account");
      const deducted = json(
        await run(
          "deduct",
          "--account",
          granted.accountId,
          "--amount",
          "0.25",
          "--unit",
          "usd",
          "--reason",
          "test",
          "--json",
        ),
      );
      assert.equal(deducted.balance, "12.25");
      const history = json(
        await run("history", "--account", granted.accountId, "--unit", "usd", "--limit", "1", "--json"),
      );
      assert.deepEqual([history.lines[0].kind, history.lines[0].amount], ["deduction", "-0.25"]);
      const older = json(
        await run("history", "--account", granted.accountId, "--unit", "usd", "--before", history.nextCursor, "--json"),
      );
      assert.deepEqual([older.lines[0].kind, older.lines[0].amount, older.nextCursor], ["grant", "12.50", null]);
      const reconciled = await run("reconcile");
      assert.equal(reconciled.code, 0, reconciled.stderr);
      assert.match(reconciled.stdout, /ok: every check passed/);
      const listed = json(await run("accounts", "list", "--json"));
      assert.deepEqual(
        listed.accounts.map((account: { externalId: string }) => account.externalId),
        ["alice"],
      );
    });

    test("bad input exits 2 and changes nothing", async () => {
      const before = json(await run("history", ...alice, "--json")).lines.length;
      // Checks made after the ledger opens run against an account that does not exist yet:
      // a grant to it would create it, so its absence afterwards proves nothing was written.
      const bob = ["--type", "user", "--external-id", "bob"];
      for (const [account, args, message] of [
        [bob, ["--amount", "-5", "--reason", "r"], /amount: a non-negative decimal/],
        [bob, ["--amount", "1.234", "--unit", "usd", "--reason", "r"], /has 3 decimal places/],
        [bob, ["--amount", "1", "--unit", "gems", "--reason", "r"], /unknown unit "gems"/],
        [alice, ["--amount", "1"], /--reason is required/],
        [alice, ["--amount", "1", "--reason", "r", "--expires-in", "soon"], /--expires-in/],
      ] as const) {
        const failed = await run("grant", ...account, ...args);
        assert.equal(failed.code, 2, `${args.join(" ")}: ${failed.stderr}`);
        assert.match(failed.stderr, message);
      }
      assert.equal(json(await run("history", ...alice, "--json")).lines.length, before);
      const missing = await run("accounts", "show", ...bob, "--json");
      assert.equal(missing.code, 1, "no account was created by the failed grants");
      assert.equal(JSON.parse(missing.stdout).error.code, "account_not_found");
    });

    test("a ledger refusal prints its code and details and exits 1", async () => {
      const refused = await run("deduct", ...alice, "--amount", "1000", "--reason", "too much", "--json");
      assert.equal(refused.code, 1);
      assert.deepEqual(JSON.parse(refused.stdout).error, {
        code: "insufficient_credits",
        message: "Not enough credits are available.",
        required: "1000",
        available: "100",
        unit: "credits",
      });
    });

    test("serve answers /healthz and exits cleanly on SIGTERM", async () => {
      // Trust authentication ignores a password, so one can be added to prove it is never logged.
      const serveEnv = { ...env };
      if (env.DATABASE_URL) {
        const withPassword = new URL(env.DATABASE_URL);
        if (!withPassword.password) withPassword.password = "hunter2";
        serveEnv.DATABASE_URL = withPassword.toString();
      }
      const child = spawn(process.execPath, [BIN, "serve", "--port", "0"], {
        cwd: workDir,
        env: { ...process.env, ...serveEnv },
      });
      let stdout = "";
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (chunk) => {
          stdout += chunk;
          const started = stdout.split("\n").find((line) => line.includes('"listening"'));
          if (started) resolve(JSON.parse(started).url);
        });
        child.on("exit", (code) => reject(new Error(`serve exited with ${code} before listening`)));
      });
      assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { status: "ok" });
      assert.ok(!stdout.includes("hunter2"), "the database password is never logged");
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
      assert.match(stdout, /"message":"stopped"/);
    });
  });
}
