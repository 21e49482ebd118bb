import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { API_KEY_CACHE_TTL_MS, ApiKeys, apiKeyKindOf } from "./api-keys.ts";
import type { SqlClient } from "./sql-client.ts";

const T0 = new Date("2030-01-01T00:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

/** The real client, counting the statements sent through it (not a mock: every query runs). */
function counting(sql: SqlClient): { client: SqlClient; queries: () => number } {
  let queries = 0;
  const client: SqlClient = {
    dialect: sql.dialect,
    query: (text, params) => {
      queries++;
      return sql.query(text, params);
    },
    queryUnflushed: (text, params) => {
      queries++;
      return sql.queryUnflushed(text, params);
    },
    exec: (script) => sql.exec(script),
    transaction: (work) =>
      sql.transaction((tx) =>
        work({
          query: (text, params) => {
            queries++;
            return tx.query(text, params);
          },
          exec: (script) => tx.exec(script),
          pipeline: (statements) => {
            queries += statements.length;
            return tx.pipeline(statements);
          },
          queryAndCommit: (text, params) => {
            queries++;
            return tx.queryAndCommit(text, params);
          },
        }),
      ),
    listen: (channel, onMessage) => sql.listen(channel, onMessage),
    close: () => sql.close(),
  };
  return { client, queries: () => queries };
}

for (const database of await testDatabases()) {
  describe(`api keys on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let keys: ApiKeys;
    let accountId: string;
    before(async () => {
      ledger = await openTestLedger(database);
      keys = new ApiKeys(ledger.sql);
      accountId = (await ledger.ensureAccount({ type: "user", externalId: "alice" })).accountId;
    });
    after(() => ledger.dispose());

    test("create, verify, revoke, and the token no longer verifies", async () => {
      const { key, token } = await keys.create({ kind: "secret", name: "backend", now: T0 });
      assert.match(token, /^tg_sk_[A-Za-z0-9_-]{43}$/);
      assert.match(key.keyId, /^key_[0-9a-f]{32}$/);
      assert.deepEqual(
        [key.kind, key.name, key.hint, key.account, key.createdAt, key.revokedAt, key.lastUsedAt],
        ["secret", "backend", `tg_sk_...${token.slice(-4)}`, null, T0, null, null],
      );
      assert.equal((await keys.verify(token, at(1000)))?.keyId, key.keyId);
      const revoked = await keys.revoke(key.keyId, at(2000));
      assert.equal(revoked.code, "revoked");
      assert.deepEqual(revoked.code === "revoked" && revoked.key.revokedAt, at(2000));
      assert.equal(await keys.verify(token, at(3000)), null, "the revoking instance drops its cache at once");
      const again = await keys.revoke(key.keyId, at(4000));
      assert.equal(again.code, "already_revoked");
      assert.deepEqual(again.code === "already_revoked" && again.key.revokedAt, at(2000));
      assert.deepEqual(await keys.revoke(`key_${"0".repeat(32)}`), { code: "not_found" });
      await assert.rejects(keys.revoke("tg_sk_oops"), /not a key id/);
    });

    test("a customer token carries its account, and only an existing customer account", async () => {
      const { key, token } = await keys.create({ kind: "customer", accountId, now: T0 });
      assert.match(token, /^tg_ct_/);
      const verified = await keys.verify(token, at(1000));
      assert.deepEqual(verified?.account, { accountId, type: "user", externalId: "alice" });
      assert.equal(verified?.kind, "customer");
      assert.deepEqual(key.account, verified?.account);
      await assert.rejects(keys.create({ kind: "customer", now: T0 }), /needs the accountId/);
      await assert.rejects(keys.create({ kind: "secret", accountId, now: T0 }), /takes no accountId/);
      await assert.rejects(
        keys.create({ kind: "customer", accountId: "acct_missing", now: T0 }),
        /no customer account/,
      );
      await assert.rejects(
        keys.create({ kind: "customer", accountId: "system:issuance", now: T0 }),
        /no customer account/,
      );
      await assert.rejects(keys.create({ kind: "admin" as never, now: T0 }), /kind must be/);
    });

    test("an admin key is a secret key that says so; a customer token cannot be one", async () => {
      const { key, token } = await keys.create({ kind: "secret", admin: true, name: "operator", now: T0 });
      assert.equal(key.admin, true);
      assert.equal((await keys.verify(token, at(1000)))?.admin, true);
      assert.equal((await keys.create({ kind: "secret", now: T0 })).key.admin, false, "not by default");
      await assert.rejects(keys.create({ kind: "customer", accountId, admin: true, now: T0 }), /only a secret key/);
      assert.equal((await keys.get(key.keyId))?.admin, true);
    });

    test("the first admin key is made only while no secret key was ever created", async () => {
      const fresh = await openTestLedger(database);
      try {
        const freshKeys = new ApiKeys(fresh.sql);
        const customerOf = (await fresh.ensureAccount({ type: "user", externalId: "c" })).accountId;
        await freshKeys.create({ kind: "customer", accountId: customerOf, now: T0 });
        const first = await freshKeys.createFirstAdminKey({ name: "first key", now: T0 });
        assert.ok(first, "customer tokens do not make a deployment less fresh");
        assert.deepEqual([first.key.kind, first.key.admin, first.key.name], ["secret", true, "first key"]);
        await freshKeys.revoke(first.key.keyId, at(1000));
        assert.equal(await freshKeys.createFirstAdminKey({ name: "again", now: at(2000) }), null, "revoked keys count");
        const secrets = await freshKeys.list({ kind: "secret", includeRevoked: true });
        assert.equal(secrets.keys.length, 1);
      } finally {
        await fresh.dispose();
      }
    });

    test("an expired token does not verify, and a key cannot be born expired", async () => {
      const { token } = await keys.create({ kind: "customer", accountId, expiresAt: at(60_000), now: T0 });
      assert.ok(await keys.verify(token, at(59_999)));
      assert.equal(await keys.verify(token, at(60_000)), null, "expiry holds even for a cached key");
      await assert.rejects(keys.create({ kind: "secret", expiresAt: T0, now: T0 }), /expiresAt/);
      await assert.rejects(keys.create({ kind: "secret", expiresAt: new Date(Number.NaN), now: T0 }), /expiresAt/);
    });

    test("a token of the right shape that was never issued, or one character off, is refused", async () => {
      const { token } = await keys.create({ kind: "secret", now: T0 });
      assert.equal(await keys.verify(`tg_sk_${randomBytes(32).toString("base64url")}`, T0), null);
      const last = token.at(-1) === "A" ? "B" : "A";
      assert.equal(await keys.verify(token.slice(0, -1) + last, T0), null);
      assert.equal(await keys.verify(`tg_ct_${token.slice(6)}`, T0), null, "the prefix is part of the token");
    });

    test("malformed tokens are refused without a query", async () => {
      const { client, queries } = counting(ledger.sql);
      const isolated = new ApiKeys(client);
      const body = randomBytes(32).toString("base64url");
      const malformed: unknown[] = [
        "",
        "tg_sk_",
        `tg_xx_${body}`,
        `tg_sk_${body.slice(1)}`,
        `tg_sk_${body}A`,
        `tg_sk_${body.slice(1)}=`,
        `tg_sk_${body.slice(1)}+`,
        ` tg_sk_${body}`.slice(0, 49),
        `Bearer tg_sk_${body}`,
        `TG_SK_${body}`,
        "x".repeat(1_000_000),
        undefined,
        null,
        42,
      ];
      for (const token of malformed) {
        assert.equal(await isolated.verify(token as string, T0), null, String(token).slice(0, 20));
        assert.equal(apiKeyKindOf(token), null);
      }
      assert.equal(queries(), 0);
    });

    test("the table holds hashes and hints, never a token", async () => {
      const { key, token } = await keys.create({ kind: "secret", name: "audit", now: T0 });
      const rows = await ledger.sql.query<Record<string, unknown>>("select * from api_keys where key_id = $1", [
        key.keyId,
      ]);
      assert.equal(rows[0]?.token_hash, createHash("sha256").update(token).digest("hex"));
      assert.equal(rows[0]?.hint, `tg_sk_...${token.slice(-4)}`);
      const stored = JSON.stringify(rows);
      assert.ok(!stored.includes(token.slice(6, 30)), "no part of the secret beyond the hint is stored");
      const listed = JSON.stringify(await keys.list({ includeRevoked: true, limit: 500 }));
      assert.ok(!listed.includes(token.slice(6, 30)) && !listed.includes(String(rows[0]?.token_hash)));
    });

    test("the schema itself refuses a kind without its account, or with one it should not have", async () => {
      const insert = (kind: string, hint: string, account: string | null) =>
        ledger.sql.query(
          `insert into api_keys (key_id, kind, token_hash, hint, account_id, created_at)
           values ($1, $2, $3, $4, $5, now())`,
          [`key_${randomBytes(16).toString("hex")}`, kind, randomBytes(32).toString("hex"), hint, account],
        );
      await assert.rejects(insert("customer", "tg_ct_...abcd", null), /check constraint/);
      await assert.rejects(insert("secret", "tg_sk_...abcd", accountId), /check constraint/);
      await assert.rejects(insert("secret", "tg_ct_...abcd", null), /check constraint/);
      await assert.rejects(insert("admin", "tg_sk_...abcd", null), /check constraint/);
    });

    test("names are bounded labels", async () => {
      await assert.rejects(keys.create({ kind: "secret", name: "n".repeat(101), now: T0 }), /1 to 100/);
      await assert.rejects(keys.create({ kind: "secret", name: "", now: T0 }), /1 to 100/);
      await assert.rejects(keys.create({ kind: "secret", name: "a\nb", now: T0 }), /control/);
      assert.equal((await keys.create({ kind: "secret", name: "n".repeat(100), now: T0 })).key.name?.length, 100);
    });

    test("list pages by key id, filters by kind and account, and leaves revoked keys out", async () => {
      const fresh = await openTestLedger(database);
      try {
        const own = new ApiKeys(fresh.sql);
        const bob = (await fresh.ensureAccount({ type: "organization", externalId: "bob" })).accountId;
        const created = [];
        for (let index = 0; index < 5; index++) {
          const input = index % 2 === 0 ? { kind: "secret" as const } : { kind: "customer" as const, accountId: bob };
          created.push((await own.create({ ...input, name: `k${index}`, now: at(index) })).key);
        }
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await own.list({ limit: 2, after: cursor });
          assert.ok(page.keys.length <= 2);
          seen.push(...page.keys.map((key) => key.keyId));
          cursor = page.nextCursor;
        } while (cursor);
        assert.deepEqual(
          seen,
          created.map((key) => key.keyId),
        );
        assert.deepEqual(
          (await own.list({ kind: "customer" })).keys.map((key) => key.name),
          ["k1", "k3"],
        );
        assert.deepEqual(
          (await own.list({ accountId: bob })).keys.map((key) => key.account?.externalId),
          ["bob", "bob"],
        );
        await own.revoke(created[0]?.keyId as string, at(10));
        assert.equal((await own.list()).keys.length, 4);
        assert.equal((await own.list({ includeRevoked: true })).keys.length, 5);
        assert.equal((await own.get(created[0]?.keyId as string))?.revokedAt?.getTime(), at(10).getTime());
        await assert.rejects(own.list({ limit: 501 }), /limit/);
        await assert.rejects(own.list({ after: "acct_1" }), /not a key id/);
      } finally {
        await fresh.dispose();
      }
    });

    test("last_used_at is written at most once a minute, and cached verifies make no query", async () => {
      const { client, queries } = counting(ledger.sql);
      const own = new ApiKeys(client);
      const { key, token } = await own.create({ kind: "secret", now: T0 });
      const lastUsed = async () =>
        (
          await ledger.sql.query<{ last_used_at: Date | null }>("select last_used_at from api_keys where key_id = $1", [
            key.keyId,
          ])
        )[0]?.last_used_at?.toISOString();
      const start = queries();
      assert.deepEqual((await own.verify(token, at(1000)))?.lastUsedAt, at(1000));
      assert.equal(queries() - start, 2, "a lookup and the first last_used_at");
      assert.equal(await lastUsed(), at(1000).toISOString());
      for (let second = 2; second < 30; second++) assert.ok(await own.verify(token, at(second * 1000)));
      assert.equal(queries() - start, 2, "within the cache's life, no query at all");
      assert.ok(await own.verify(token, at(45_000)));
      assert.equal(queries() - start, 3, "the cache expired: one lookup, no write");
      assert.equal(await lastUsed(), at(1000).toISOString());
      assert.deepEqual((await own.verify(token, at(61_000)))?.lastUsedAt, at(61_000));
      assert.equal(queries() - start, 4);
      assert.equal(await lastUsed(), at(61_000).toISOString());
      const other = new ApiKeys(ledger.sql);
      assert.deepEqual((await other.verify(token, at(90_000)))?.lastUsedAt, at(61_000), "another instance waits too");
      assert.equal(await lastUsed(), at(61_000).toISOString());
    });

    test("another instance stops accepting a revoked key: at once if it listens, within the TTL if not", async () => {
      const { key, token } = await keys.create({ kind: "secret", now: T0 });
      const deaf = new ApiKeys(ledger.sql);
      const listening = await ApiKeys.open(ledger.sql);
      try {
        assert.ok(await deaf.verify(token, at(1000)));
        assert.ok(await listening.verify(token, at(1000)));
        await keys.revoke(key.keyId, at(2000));
        // The notification travels at commit and arrives when it arrives: wait for it, not for a time.
        for (let reads = 0; (await listening.verify(token, at(3000))) !== null; reads++) {
          assert.ok(reads < 3000, "the listening instance never heard of the revocation");
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.ok(await deaf.verify(token, at(3000)), "the documented window: cached for up to the TTL");
        assert.equal(await deaf.verify(token, at(1000 + API_KEY_CACHE_TTL_MS)), null);
      } finally {
        await listening.close();
      }
    });

    test("a listening instance announces each revocation, made here or by another instance", async () => {
      const first = await keys.create({ kind: "secret", now: T0 });
      const second = await keys.create({ kind: "customer", accountId, now: T0 });
      const listening = await ApiKeys.open(ledger.sql);
      const heard: Array<string | null> = [];
      const stop = listening.onRevoked((keyId) => heard.push(keyId));
      try {
        // Revoked through another instance: the notification reaches this one.
        await keys.revoke(first.key.keyId, at(1000));
        for (let waits = 0; !heard.includes(first.key.keyId); waits++) {
          assert.ok(waits < 3000, "the listening instance never announced the revocation");
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        // Revoked through this instance: announced before revoke returns.
        await listening.revoke(second.key.keyId, at(1000));
        assert.ok(heard.includes(second.key.keyId));
        const count = heard.length;
        await listening.revoke(second.key.keyId, at(2000));
        assert.ok(
          heard.slice(count).every((keyId) => keyId === second.key.keyId),
          "revoking again announces no other key",
        );
        stop();
        const third = await keys.create({ kind: "secret", now: T0 });
        await listening.revoke(third.key.keyId, at(3000));
        assert.ok(!heard.includes(third.key.keyId), "an unsubscribed listener hears nothing more");
      } finally {
        await listening.close();
      }
    });

    test("the cache holds at most cacheSizeMax keys", async () => {
      const { client, queries } = counting(ledger.sql);
      const own = new ApiKeys(client, { cacheSizeMax: 1, lastUsedIntervalMs: 3_600_000 });
      const first = (await keys.create({ kind: "secret", now: T0 })).token;
      const second = (await keys.create({ kind: "secret", now: T0 })).token;
      await own.verify(first, at(1));
      await own.verify(second, at(1));
      const start = queries();
      await own.verify(second, at(2));
      assert.equal(queries() - start, 0, "the newest stays");
      await own.verify(first, at(2));
      assert.equal(queries() - start, 1, "the oldest was dropped");
      assert.throws(() => new ApiKeys(ledger.sql, { cacheTtlMs: 600_000 }), /cacheTtlMs/);
    });
  });
}
