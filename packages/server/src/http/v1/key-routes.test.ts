// /v1/keys on both databases: a backend mints a customer token, the token reads its own
// account only, a replay never shows the token again, and a revoked key stops at once.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";
import { newLocalCredential } from "../../local-credential.ts";

interface KeyJson {
  id: string;
  kind: string;
  admin: boolean;
  hint: string;
  token?: string | null;
  account: { externalId: string } | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

for (const database of await testDatabases()) {
  describe(`/v1/keys on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let app: ReturnType<typeof createApp>;
    let secret = "";
    let admin = "";
    let sequence = 0;
    const localCredential = newLocalCredential();

    before(async () => {
      ledger = await openTestLedger(database);
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      secret = (await keys.create({ kind: "secret", name: "backend" })).token;
      admin = (await keys.create({ kind: "secret", admin: true, name: "operator" })).token;
      app = createApp({ ledger, meter, keys, localCredential });
      await ledger.ensureAccount({ type: "user", externalId: "alice" });
      await ledger.ensureAccount({ type: "user", externalId: "bob" });
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    const call = (
      method: "GET" | "POST",
      path: string,
      options: { token?: string; body?: unknown; key?: string } = {},
    ) =>
      app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${options.token ?? secret}`,
          ...(method === "POST"
            ? { "content-type": "application/json", "idempotency-key": options.key ?? `k-${++sequence}` }
            : {}),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });

    test("a minted customer token reads its own account, is 404 for another, and is never shown again", async () => {
      const body = { account: "user:alice", name: "alice's browser", expiresInSeconds: 3600 };
      const response = await call("POST", "/v1/keys", { body, key: "mint-alice" });
      assert.equal(response.status, 200);
      const created = (await response.json()) as KeyJson;
      assert.equal(created.kind, "customer");
      assert.match(created.token ?? "", /^tg_ct_/);
      assert.equal(created.account?.externalId, "alice");
      assert.ok(created.token?.endsWith(created.hint.slice(-4)));
      const token = created.token as string;
      assert.equal((await call("GET", "/v1/accounts/user:alice/balances", { token })).status, 200);
      assert.equal((await call("GET", "/v1/accounts/user:bob/balances", { token })).status, 404);
      assert.equal((await call("GET", "/v1/keys", { token })).status, 403, "a customer token manages no keys");

      const replay = await call("POST", "/v1/keys", { body, key: "mint-alice" });
      assert.equal(replay.headers.get("idempotent-replayed"), "true");
      const replayed = (await replay.json()) as KeyJson;
      assert.equal(replayed.id, created.id);
      assert.equal(replayed.token, null, "tokens are never stored, not even for replays");
      const stored = await ledger.sql.query<{ body: string }>(
        "select convert_from(response_body, 'UTF8') as body from http_idempotency_keys where response_body is not null",
      );
      assert.ok(stored.every((row) => !row.body.includes(token)));
    });

    test("list pages in creation order, get finds one, revoke stops the key at once", async () => {
      const minted = (await (await call("POST", "/v1/keys", { body: { account: "user:bob" } })).json()) as KeyJson;
      const expiresInMs = Date.parse(minted.expiresAt ?? "") - Date.now();
      assert.ok(expiresInMs > 86_000_000 && expiresInMs <= 86_400_000, "a day by default");
      const page = (await (await call("GET", "/v1/keys?kind=customer&limit=1")).json()) as {
        data: KeyJson[];
        nextCursor: string | null;
      };
      assert.equal(page.data.length, 1);
      assert.ok(page.nextCursor);
      const rest = (await (await call("GET", `/v1/keys?kind=customer&after=${page.nextCursor}`)).json()) as {
        data: KeyJson[];
      };
      assert.ok(rest.data.some((key) => key.id === minted.id));
      const bobs = (await (await call("GET", "/v1/keys?account=user:bob")).json()) as { data: KeyJson[] };
      assert.deepEqual(
        bobs.data.map((key) => key.id),
        [minted.id],
      );

      assert.equal(((await (await call("GET", `/v1/keys/${minted.id}`)).json()) as KeyJson).id, minted.id);
      const revoked = (await (await call("POST", `/v1/keys/${minted.id}/revoke`)).json()) as KeyJson;
      assert.ok(revoked.revokedAt);
      assert.equal((await call("GET", "/v1/accounts/user:bob", { token: minted.token as string })).status, 401);
      const listed = (await (await call("GET", "/v1/keys?account=user:bob")).json()) as { data: KeyJson[] };
      assert.deepEqual(listed.data, [], "revoked keys are left out unless asked for");
      const again = await call("POST", `/v1/keys/${minted.id}/revoke`);
      assert.equal(again.status, 200, "revoking twice is harmless");
    });

    test("bad input is a clear 4xx and mints nothing", async () => {
      const count = async () => (await keys.list({ includeRevoked: true, limit: 500 })).keys.length;
      const before = await count();
      for (const [body, status] of [
        [{ account: "user:nobody" }, 404],
        [{ account: "nobody" }, 400],
        [{ account: "user:alice", expiresInSeconds: 10 }, 400],
        [{ account: "user:alice", expiresInSeconds: 91 * 86_400 }, 400],
        [{ account: "user:alice", name: "" }, 400],
        [{ account: "user:alice", kind: "secret" }, 400],
        [{ kind: "customer" }, 400],
        [{ account: "user:alice", admin: true }, 400],
        [{ kind: "secret" }, 403],
        [{ account: "user:alice", expiresIn: "91d" }, 400],
        [{ account: "user:alice", expiresIn: "30s" }, 400],
        [{ account: "user:alice", expiresIn: "1h", expiresInSeconds: 3600 }, 400],
        [{ account: "user:alice", expiresIn: "soon" }, 400],
        [{ account: "user:alice", kind: "customer" }, 200],
        [{ account: "user:alice", expiresIn: "2h" }, 200],
      ] as const) {
        const response = await call("POST", "/v1/keys", { body });
        assert.equal(response.status, status, JSON.stringify(body));
      }
      assert.equal(await count(), before + 2);
      assert.equal((await call("GET", "/v1/keys/key_00000000000000000000000000000000")).status, 404);
      assert.equal((await call("GET", "/v1/keys/not-a-key")).status, 400);
      assert.equal((await call("POST", "/v1/keys/not-a-key/revoke")).status, 400);
      assert.equal((await call("GET", "/v1/keys?limit=0")).status, 400);
    });

    test("secret keys are an admin key's business: a plain secret key neither makes, sees nor revokes them", async () => {
      const made = await call("POST", "/v1/keys", { token: admin, body: { kind: "secret", name: "worker" } });
      assert.equal(made.status, 200);
      const worker = (await made.json()) as KeyJson;
      assert.deepEqual([worker.kind, worker.admin, worker.expiresAt], ["secret", false, null], "no expiry by default");
      assert.match(worker.token ?? "", /^tg_sk_/);
      const madeAdmin = (await (
        await call("POST", "/v1/keys", { token: admin, body: { kind: "secret", admin: true } })
      ).json()) as KeyJson;
      assert.equal(madeAdmin.admin, true);

      const seenByApp = (await (await call("GET", "/v1/keys?limit=500")).json()) as { data: KeyJson[] };
      assert.ok(seenByApp.data.length > 0);
      assert.ok(
        seenByApp.data.every((key) => key.kind === "customer"),
        "a plain secret key lists customer tokens",
      );
      assert.equal((await call("GET", "/v1/keys?kind=secret")).status, 403);
      assert.equal((await call("GET", `/v1/keys/${worker.id}`)).status, 404);
      assert.equal((await call("POST", `/v1/keys/${worker.id}/revoke`)).status, 404, "nor revoke one");
      assert.equal((await call("GET", "/v1/accounts/user:alice", { token: worker.token as string })).status, 200);

      const seenByAdmin = (await (await call("GET", "/v1/keys?kind=secret&limit=500", { token: admin })).json()) as {
        data: KeyJson[];
      };
      assert.ok(seenByAdmin.data.some((key) => key.id === worker.id));
      assert.equal((await call("POST", `/v1/keys/${worker.id}/revoke`, { token: admin })).status, 200);
      assert.equal((await call("GET", "/v1/accounts/user:alice", { token: worker.token as string })).status, 401);
    });

    test("the process's local credential is an admin key without a row; a near miss is a 401", async () => {
      const made = await call("POST", "/v1/keys", { token: localCredential, body: { kind: "secret" } });
      assert.equal(made.status, 200);
      assert.equal((await call("GET", "/v1/keys?kind=secret", { token: localCredential })).status, 200);
      const last = localCredential.at(-1) === "A" ? "B" : "A";
      const nearMiss = localCredential.slice(0, -1) + last;
      assert.equal((await call("GET", "/v1/keys", { token: nearMiss })).status, 401);
      const other = createApp({ ledger, meter, keys });
      const elsewhere = await other.request("/v1/keys", { headers: { authorization: `Bearer ${localCredential}` } });
      assert.equal(elsewhere.status, 401, "an app without it refuses it");
    });
  });
}
