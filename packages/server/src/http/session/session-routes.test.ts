// The dashboard's session on both databases: sign-in takes only an admin key, the cookie then
// holds a session token (never the key) that authenticates /v1, a change needs the session's
// CSRF token and this origin, a revoked key ends the session at its next request, signing out
// ends the session (a copy of the cookie is refused too), and a session expires.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";
import { CSRF_HEADER, csrfTokenFor, SESSION_COOKIE, SESSION_MAX_AGE_SECONDS } from "./session-cookie.ts";

const ORIGIN = "http://localhost";

for (const database of await testDatabases()) {
  describe(`the dashboard session on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let app: ReturnType<typeof createApp>;
    let admin = { token: "", keyId: "" };
    /** The admin's session token, from the cookie its sign-in set. */
    let session = "";
    let nowMs = Date.now();
    let secret = "";
    let sequence = 0;

    before(async () => {
      ledger = await openTestLedger(database, { clock: () => new Date(nowMs) });
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      const created = await keys.create({ kind: "secret", admin: true, name: "operator" });
      admin = { token: created.token, keyId: created.key.keyId };
      secret = (await keys.create({ kind: "secret", name: "backend" })).token;
      app = createApp({ ledger, meter, keys });
      await ledger.ensureAccount({ type: "user", externalId: "alice" });
      session = sessionTokenOf(await signIn(admin.token));
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    const signIn = (key: string, headers: Record<string, string> = {}) =>
      app.request(`${ORIGIN}/session`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN, ...headers },
        body: JSON.stringify({ key }),
      });
    const withSession = (
      token: string,
      method: string,
      path: string,
      options: { csrf?: string | null; origin?: string; body?: unknown } = {},
    ) =>
      app.request(`${ORIGIN}${path}`, {
        method,
        headers: {
          cookie: `${SESSION_COOKIE}=${token}`,
          origin: options.origin ?? ORIGIN,
          ...(options.csrf === null ? {} : { [CSRF_HEADER]: options.csrf ?? csrfTokenFor(token) }),
          ...(method === "POST" ? { "idempotency-key": `session-${++sequence}` } : {}),
          ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    const grant = { amount: "5", source: "admin", reason: "support" };
    const sessionTokenOf = (response: Response) => {
      const match = new RegExp(`^${SESSION_COOKIE}=([^;]*);`).exec(response.headers.get("set-cookie") ?? "");
      assert.ok(match?.[1], "the sign-in set the session cookie");
      return match[1];
    };

    test("sign-in with an admin key sets an HttpOnly, SameSite=Strict cookie and answers the CSRF token", async () => {
      const response = await signIn(admin.token);
      assert.equal(response.status, 200);
      const cookie = response.headers.get("set-cookie") ?? "";
      const token = sessionTokenOf(response);
      assert.match(token, /^tg_ds_[A-Za-z0-9_-]{43}$/);
      assert.ok(!cookie.includes(admin.token), "the cookie never holds the key");
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
      assert.doesNotMatch(cookie, /Secure/, "plain http: a Secure cookie would never come back");
      const body = (await response.json()) as { keyId: string; csrfToken: string };
      assert.equal(body.keyId, admin.keyId);
      assert.equal(body.csrfToken, csrfTokenFor(token));
    });

    test("the key itself in the cookie authenticates nothing", async () => {
      assert.equal((await withSession(admin.token, "GET", "/v1/accounts", { csrf: null })).status, 401);
      assert.equal((await withSession(admin.token, "GET", "/session", { csrf: null })).status, 401);
    });

    test("over https (a proxy saying so) the cookie is Secure", async () => {
      const response = await signIn(admin.token, { "x-forwarded-proto": "https", origin: "https://localhost" });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("set-cookie") ?? "", /Secure/);
    });

    test("sign-in refuses a key that is not an admin key, an unknown key, and another origin", async () => {
      assert.equal((await signIn(secret)).status, 403);
      assert.equal((await signIn("tg_sk_unknown")).status, 401);
      assert.equal((await signIn(admin.token, { origin: "https://evil.example" })).status, 403);
      assert.equal((await signIn("")).status, 400);
    });

    test("no cookie is 401, for the session and for /v1", async () => {
      assert.equal((await app.request(`${ORIGIN}/session`)).status, 401);
      assert.equal((await app.request(`${ORIGIN}/v1/accounts`)).status, 401);
    });

    test("the cookie authenticates reads; GET /session gives the same CSRF token back", async () => {
      const accounts = await withSession(session, "GET", "/v1/accounts", { csrf: null });
      assert.equal(accounts.status, 200);
      const answer = await withSession(session, "GET", "/session", { csrf: null });
      const body = (await answer.json()) as { csrfToken: string; keyId: string };
      assert.equal(body.csrfToken, csrfTokenFor(session));
      assert.equal(body.keyId, admin.keyId);
    });

    test("a change without the CSRF token, with a wrong one, or from another origin is 403 and changes nothing", async () => {
      const before = await ledger.getBalances({ type: "user", externalId: "alice" });
      for (const options of [
        { csrf: null },
        { csrf: "wrong" },
        { csrf: csrfTokenFor(secret) },
        { origin: "https://evil.example" },
      ]) {
        const response = await withSession(session, "POST", "/v1/accounts/user:alice/grants", {
          ...options,
          body: grant,
        });
        assert.equal(response.status, 403, JSON.stringify(options));
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, "forbidden");
      }
      assert.deepEqual(await ledger.getBalances({ type: "user", externalId: "alice" }), before);
    });

    test("with the CSRF token a change goes through", async () => {
      const response = await withSession(session, "POST", "/v1/accounts/user:alice/grants", { body: grant });
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { amount: string }).amount, "5");
    });

    test("a Bearer key is not asked for a CSRF token (no cookie, nothing a browser sends by itself)", async () => {
      const response = await app.request(`${ORIGIN}/v1/accounts/user:alice/grants`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${admin.token}`,
          "content-type": "application/json",
          "idempotency-key": "bearer-grant",
        },
        body: JSON.stringify(grant),
      });
      assert.equal(response.status, 200);
    });

    test("sign-out needs the CSRF token, clears the cookie and ends the session for a copy of it too", async () => {
      const ending = sessionTokenOf(await signIn(admin.token));
      assert.equal((await withSession(ending, "DELETE", "/session", { csrf: "wrong" })).status, 403);
      assert.equal((await withSession(ending, "GET", "/v1/accounts", { csrf: null })).status, 200);
      const response = await withSession(ending, "DELETE", "/session");
      assert.equal(response.status, 204);
      assert.match(response.headers.get("set-cookie") ?? "", new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));
      assert.equal((await withSession(ending, "GET", "/v1/accounts", { csrf: null })).status, 401);
      assert.equal((await withSession(ending, "GET", "/session", { csrf: null })).status, 401);
      // Another session of the same key is not ended by it.
      assert.equal((await withSession(session, "GET", "/v1/accounts", { csrf: null })).status, 200);
    });

    test("a session expires after its working day, and no later than its key", async () => {
      const started = sessionTokenOf(await signIn(admin.token));
      const expiring = await keys.create({
        kind: "secret",
        admin: true,
        name: "temporary operator",
        expiresAt: new Date(nowMs + 60 * 60 * 1000),
      });
      const short = await signIn(expiring.token);
      assert.match(short.headers.get("set-cookie") ?? "", /Max-Age=3600;/);
      const shortSession = sessionTokenOf(short);
      nowMs += SESSION_MAX_AGE_SECONDS * 1000 - 1000;
      assert.equal((await withSession(started, "GET", "/v1/accounts", { csrf: null })).status, 200);
      assert.equal((await withSession(shortSession, "GET", "/v1/accounts", { csrf: null })).status, 401);
      nowMs += 1000;
      assert.equal((await withSession(started, "GET", "/v1/accounts", { csrf: null })).status, 401);
      session = sessionTokenOf(await signIn(admin.token));
    });

    test("revoking the key ends its session at the next request", async () => {
      const other = await keys.create({ kind: "secret", admin: true, name: "second operator" });
      const signedIn = await signIn(other.token);
      assert.equal(signedIn.status, 200);
      const otherSession = sessionTokenOf(signedIn);
      assert.equal((await withSession(otherSession, "GET", "/v1/accounts", { csrf: null })).status, 200);
      await keys.revoke(other.key.keyId, ledger.now());
      assert.equal((await withSession(otherSession, "GET", "/v1/accounts", { csrf: null })).status, 401);
      assert.equal((await withSession(otherSession, "GET", "/session", { csrf: null })).status, 401);
    });
  });
}
