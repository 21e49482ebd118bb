import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { loadServerConfig, openLedger } from "@tollgate/server";
import { ApiKeys } from "@tollgate/store";
import { cliWorkspace, json, refused, tollgate } from "./cli-harness.ts";

/**
 * End to end: `tollgate keys` in child processes, on PGlite and (when reachable) PostgreSQL.
 * Tokens the CLI prints are checked against the store between commands, never while a
 * command holds it.
 */
const CONFIG = { units: [{ unit: "credits", scale: 0 }] };

const { workDir, configPath, targets } = await cliWorkspace({ prefix: "cli-keys", config: CONFIG });

const count = (text: string, part: string) => text.split(part).length - 1;

for (const target of targets) {
  describe(`tollgate keys on ${target.name}`, () => {
    let env: Record<string, string>;
    const run = (...args: string[]) => tollgate(args, env, workDir);
    /** The key a token verifies as, through the library on the CLI's store; null if refused. */
    const verify = async (token: string) => {
      const opened = await openLedger(loadServerConfig(env, workDir));
      try {
        return await new ApiKeys(opened.ledger.sql).verify(token);
      } finally {
        await opened.close();
      }
    };
    const listAll = async () => json(await run("keys", "list", "--include-revoked", "--json")).keys;
    before(async () => {
      env = { ...target.freshEnv(), TOLLGATE_CONFIG: configPath };
      json(await run("accounts", "create", "--type", "user", "--external-id", "alice", "--json"));
    });
    after(() => target.cleanup());

    test("create prints the token once, with a warning, and the token works", async () => {
      const human = await run("keys", "create", "--kind", "secret", "--name", "backend");
      assert.equal(human.code, 0, human.stderr);
      const token = /token: (tg_sk_[A-Za-z0-9_-]{43})\n/.exec(human.stdout)?.[1] ?? "";
      assert.equal(count(human.stdout, token), 1);
      assert.equal(count(human.stderr, token), 0);
      assert.match(human.stderr, /shown only once/);
      assert.match(human.stdout, /^created secret key key_[0-9a-f]{32} "backend"\n/);
      assert.equal((await verify(token))?.name, "backend");

      const created = await run("keys", "create", "--kind", "customer", "--type", "user", "--external-id", "alice");
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /acts as acct_[0-9a-f]{32} \(user alice\)/);
      const customer = /token: (tg_ct_\S+)/.exec(created.stdout)?.[1] ?? "";
      assert.deepEqual(
        [(await verify(customer))?.kind, (await verify(customer))?.account?.externalId],
        ["customer", "alice"],
      );
    });

    test("--json: the token once, the key's public fields, an expiry", async () => {
      const created = await run("keys", "create", "--kind", "customer", "--type", "user", "--external-id", "alice");
      const result = json(
        await run(
          "keys",
          "create",
          "--kind",
          "customer",
          "--account",
          accountIdOf(created.stdout),
          "--expires-in",
          "1h",
          "--json",
        ),
      );
      assert.match(result.token, /^tg_ct_[A-Za-z0-9_-]{43}$/);
      assert.equal(result.hint, `tg_ct_...${result.token.slice(-4)}`);
      assert.equal(result.account.externalId, "alice");
      const lifeMs = Date.parse(result.expiresAt) - Date.parse(result.createdAt);
      assert.equal(lifeMs, 3_600_000);
      assert.equal(result.revokedAt, null);
    });

    test("list never shows a token or its hash", async () => {
      const token = json(await run("keys", "create", "--kind", "secret", "--name", "listed", "--json")).token;
      const listedJson = await run("keys", "list", "--include-revoked", "--json");
      const listedHuman = await run("keys", "list", "--include-revoked");
      for (const output of [listedJson.stdout, listedHuman.stdout]) {
        assert.ok(!output.includes(token.slice(6, 40)), "no part of a token beyond its hint");
        assert.doesNotMatch(output, /tg_(sk|ct)_[A-Za-z0-9_-]{43}/);
        assert.doesNotMatch(output, /[0-9a-f]{64}/);
      }
      assert.match(listedHuman.stdout, /^key +kind +hint +name +account +created +last used +status\n/);
      assert.match(listedHuman.stdout, new RegExp(`tg_sk_\\.\\.\\.${escapeRegExp(token.slice(-4))} +listed +all `));
      const keys = json(listedJson).keys;
      assert.ok(keys.every((key: Record<string, unknown>) => !("token" in key)));
      const customers = json(
        await run("keys", "list", "--kind", "customer", "--type", "user", "--external-id", "alice", "--json"),
      );
      assert.ok(customers.keys.length >= 1);
      assert.ok(customers.keys.every((key: { kind: string }) => key.kind === "customer"));
      const page = json(await run("keys", "list", "--limit", "1", "--json"));
      assert.equal(page.keys.length, 1);
      assert.equal(
        json(await run("keys", "list", "--limit", "1", "--after", page.nextCursor, "--json")).keys[0].id >
          page.keys[0].id,
        true,
      );
    });

    test("revoke: the token stops working, list hides it, and a second revoke changes nothing", async () => {
      const created = json(await run("keys", "create", "--kind", "secret", "--name", "doomed", "--json"));
      assert.ok(await verify(created.token));
      const revoked = await run("keys", "revoke", created.id);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(revoked.stdout, new RegExp(`^revoked: ${created.id} \\(secret, tg_sk_\\.\\.\\.`));
      assert.equal(await verify(created.token), null);
      const again = json(await run("keys", "revoke", created.id, "--json"));
      assert.equal(again.alreadyRevoked, true);
      const active = json(await run("keys", "list", "--json")).keys.map((key: { id: string }) => key.id);
      assert.ok(!active.includes(created.id));
      const all = await listAll();
      assert.ok(all.find((key: { id: string }) => key.id === created.id)?.revokedAt);
      const missing = await run("keys", "revoke", `key_${"0".repeat(32)}`);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /key_not_found/);
    });

    test("bad input exits 2 naming the flag, and changes nothing", async () => {
      const before = await listAll();
      const token = json(await run("keys", "create", "--kind", "secret", "--json")).token;
      const afterCreate = await listAll();
      const cases: Array<[string[], RegExp]> = [
        [["keys", "create"], /--kind/],
        [["keys", "create", "--kind", "root"], /--kind must be secret .* or customer/],
        [["keys", "create", "--kind", "customer"], /--kind customer needs the account/],
        [["keys", "create", "--kind", "secret", "--type", "user", "--external-id", "alice"], /--kind customer/],
        [
          ["keys", "create", "--kind", "customer", "--type", "robot", "--external-id", "alice"],
          /--type must be one of/,
        ],
        [["keys", "create", "--kind", "secret", "--name", "x".repeat(101)], /--name must be 1 to 100/],
        [["keys", "create", "--kind", "secret", "--name", "  "], /--name/],
        [["keys", "create", "--kind", "secret", "--expires-in", "1y"], /--expires-in/],
        [
          ["keys", "create", "--kind", "secret", "--expires-at", "2001-01-01T00:00:00Z"],
          /--expires-at must be in the future/,
        ],
        [["keys", "list", "--kind", "admin"], /--kind/],
        [["keys", "list", "--limit", "0"], /--limit/],
        [["keys", "list", "--after", "acct_1"], /--after/],
        [["keys", "revoke", "nope"], /<key_id> must be a key id/],
        [["keys", "revoke", token], /<key_id> is a token, not a key id/],
      ];
      for (const [args, message] of cases) {
        const result = await run(...args);
        refused(result, message);
        assert.ok(!result.stderr.includes(token) && !result.stdout.includes(token), "a token is never echoed");
      }
      assert.equal(afterCreate.length, before.length + 1);
      assert.deepEqual(await listAll(), afterCreate);
      const missingAccount = await run(
        "keys",
        "create",
        "--kind",
        "customer",
        "--type",
        "user",
        "--external-id",
        "nobody",
      );
      assert.equal(missingAccount.code, 1);
      assert.match(missingAccount.stderr, /account_not_found/);
      assert.deepEqual(await listAll(), afterCreate);
      assert.ok(await verify(token), "a token given to revoke by mistake is not revoked");
    });
  });
}

function accountIdOf(stdout: string): string {
  return /acct_[0-9a-f]{32}/.exec(stdout)?.[0] ?? "";
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
}
