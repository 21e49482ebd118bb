// What test/http-fuzz.test.ts cannot send through app.request(), sent to a real `tollgate serve`
// over TCP: chunked bodies (oversize, malformed chunk sizes), bodies sent slowly or cut off,
// huge and garbled headers; then, generated with fast-check, control and bidirectional
// characters in every path parameter and in the fields that name things, non-canonical and
// wrong-typed amounts, and forged, tampered, revoked and expired keys on every route. The server
// accepts no signed request of its own (its webhooks are outgoing, and so are their
// signatures), so keys and tokens are what it verifies.
//
// Every answer must be 4xx; the process stays up, logs no 5xx, and the ledger is unchanged:
// reconcile is clean and every table is byte-identical, but http_idempotency_keys (refused
// POSTs are stored for replay, see http-fuzz.test.ts) and api_keys' last_used_at.
//
// HOSTILE_SEED replays a run; HOSTILE_RUNS scales the generated cases.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ApiKeys } from "@tollgate/store";
import fc from "fast-check";
import { routesOf } from "../http-fuzz/openapi-routes.ts";
import { hostileString, NON_CANONICAL_ZEROS, refusedAmount } from "./hostile-values.ts";
import { HttpClient, sendRequest } from "./http-client.ts";
import { pause, rawExchange } from "./raw-socket.ts";
import { reliabilityScale } from "./scale.ts";
import { type ServeProcess, startServeProcess } from "./serve-process.ts";

const SEED = Number(process.env.HOSTILE_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.HOSTILE_RUNS ?? (reliabilityScale() === "full" ? 2_000 : 150));
/** The body limit the server runs with: the oversize bodies are just beyond it. */
const BODY_LIMIT_BYTES = 65_536;

const CONFIG = {
  units: [{ unit: "credits", scale: 0 }],
  pricing: { features: { summarize: { unit: "credits", cost: "3" } } },
};

const server = await startServeProcess({
  config: CONFIG,
  env: {
    TOLLGATE_RATE_LIMIT_SECRET: "off",
    TOLLGATE_RATE_LIMIT_CUSTOMER: "off",
    TOLLGATE_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
    TOLLGATE_BATCH_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
  },
});

describe("hostile input over a real socket", { skip: server ? false : "PostgreSQL is not reachable" }, () => {
  const serve = server as ServeProcess;
  const tokens = { secret: "", alice: "", revoked: "", expired: "" };
  let holdId = "";
  let client: HttpClient;
  let before_: Record<string, string> = {};
  let keySequence = 0;
  const nextKey = () => `hostile-${SEED}-${++keySequence}`;
  const send = (method: string, path: string, body?: unknown, token = tokens.secret) =>
    client.send(method, path, {
      headers: { authorization: `Bearer ${token}`, ...(method === "POST" ? { "idempotency-key": nextKey() } : {}) },
      ...(body === undefined ? {} : { body }),
    });
  /** What must not change: every table but the replay store, api_keys without last_used_at. */
  const ledgerSnapshot = async () => {
    const { checksums, failingChecks } = await serve.ledgerState();
    delete checksums.http_idempotency_keys;
    const [keys] = await serve.sql.query<{ checksum: string }>(
      `select md5(coalesce(string_agg(k::text, '|' order by k::text), '')) as checksum
       from (select key_id, kind, token_hash, hint, name, account_id, expires_at, created_at, revoked_at
             from "${serve.schema}".api_keys) k`,
    );
    checksums.api_keys = keys?.checksum ?? "";
    return { ...checksums, reconcile: failingChecks.join(",") || "clean" };
  };
  const assertAllRefused = (answers: Array<{ label: string; status: number }>) => {
    const wrong = answers.filter((answer) => answer.status < 400 || answer.status >= 500);
    assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} of ${answers.length} answers were not 4xx`);
  };

  before(async () => {
    client = new HttpClient(serve.url, { socketsMax: 8 });
    const admin = (method: string, path: string, body?: unknown) => send(method, path, body, serve.adminToken);
    const secret = await admin("POST", "/v1/keys", { kind: "secret", name: "hostile backend" });
    tokens.secret = JSON.parse(secret.body).token;
    for (const externalId of ["alice", "bob"])
      assert.equal((await admin("POST", "/v1/accounts", { type: "user", externalId })).status, 200);
    assert.equal((await admin("POST", "/v1/accounts", { type: "organization", externalId: "acme" })).status, 200);
    const grant = await admin("POST", "/v1/accounts/user:alice/grants", { amount: "100", source: "promo" });
    assert.equal(grant.status, 200, grant.body);
    const hold = await admin("POST", "/v1/holds", { account: "user:alice", amount: "5" });
    assert.equal(hold.status, 200, hold.body);
    holdId = JSON.parse(hold.body).holdId;
    tokens.alice = JSON.parse(
      (await admin("POST", "/v1/keys", { kind: "customer", account: "user:alice" })).body,
    ).token;
    const revoked = JSON.parse((await admin("POST", "/v1/keys", { kind: "secret", name: "revoked" })).body);
    assert.equal((await admin("POST", `/v1/keys/${revoked.id}/revoke`)).status, 200);
    tokens.revoked = revoked.token;
    const keys = await ApiKeys.open(serve.sql);
    tokens.expired = (
      await keys.create({
        kind: "secret",
        name: "expired",
        now: new Date(Date.now() - 60_000),
        expiresAt: new Date(Date.now() - 1_000),
      })
    ).token;
    await keys.close();
    // Each live key used once now: its last_used_at is then left alone for a minute.
    for (const token of [tokens.secret, tokens.alice, serve.adminToken])
      assert.ok((await send("GET", "/v1/accounts/user:alice", undefined, token)).status < 500);
    before_ = await ledgerSnapshot();
    process.stdout.write(`# hostile input: seed ${SEED} (HOSTILE_SEED=${SEED} replays it), ${RUNS} runs a property\n`);
  });
  after(async () => {
    client?.close();
    await serve.stop();
  });

  const head = (method: string, path: string, extra: string[] = []) =>
    [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1`, `Authorization: Bearer ${tokens.secret}`, ...extra].join("\r\n");
  const chargeHead = (extra: string[]) =>
    head("POST", "/v1/charges", ["Content-Type: application/json", `Idempotency-Key: ${nextKey()}`, ...extra]);

  test("malformed chunked bodies, huge headers and garbled request lines are answered 4xx or closed", async () => {
    const cases: Array<{ label: string; parts: string[] }> = [
      {
        label: "a chunk size that is not hex",
        parts: [`${chargeHead(["Transfer-Encoding: chunked"])}\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`],
      },
      {
        label: "a negative chunk size",
        parts: [`${chargeHead(["Transfer-Encoding: chunked"])}\r\n\r\n-5\r\n{}\r\n0\r\n\r\n`],
      },
      {
        label: "a chunk size beyond 2^64",
        parts: [`${chargeHead(["Transfer-Encoding: chunked"])}\r\n\r\nfffffffffffffffffff\r\n{}\r\n`],
      },
      {
        label: "a chunk longer than its size",
        parts: [`${chargeHead(["Transfer-Encoding: chunked"])}\r\n\r\n2\r\n{"account":1}\r\n0\r\n\r\n`],
      },
      {
        label: "both Content-Length and chunked",
        parts: [`${chargeHead(["Transfer-Encoding: chunked", "Content-Length: 2"])}\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
      },
      {
        label: "two Content-Lengths that differ",
        parts: [`${chargeHead(["Content-Length: 2", "Content-Length: 3"])}\r\n\r\n{}`],
      },
      {
        label: "a header of 100 KB",
        parts: [`${head("GET", "/v1/accounts/user:alice", [`X-Big: ${"a".repeat(100_000)}`])}\r\n\r\n`],
      },
      { label: "a path of 100 KB", parts: [`${head("GET", `/v1/accounts/${"a".repeat(100_000)}`)}\r\n\r\n`] },
      { label: "a NUL in the request line", parts: [`GET /v1/accounts/user:al\u0000ice HTTP/1.1\r\nHost: x\r\n\r\n`] },
      { label: "a header name with a space", parts: [`${head("GET", "/healthz", ["Bad Header: x"])}\r\n\r\n`] },
      { label: "a bare LF in a header value", parts: [`${head("GET", "/healthz", ["X-A: a\nb"])}\r\n\r\n`] },
      { label: "an HTTP/7 request", parts: [`GET /healthz HTTP/7.0\r\nHost: x\r\n\r\n`] },
      { label: "not HTTP at all", parts: [`\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003\r\n\r\n`] },
    ];
    const outcomes = [];
    for (const { label, parts } of cases) {
      const outcome = await rawExchange(serve.url, parts, {
        readUntil: /\r\n\r\n[\s\S]*\}$|^HTTP\/1\.1 4\d\d [^\r]*\r\n[\s\S]*\r\n\r\n$/,
      });
      outcomes.push({ label, status: outcome.status, text: outcome.text.slice(0, 120) });
    }
    const wrong = outcomes.filter((outcome) => outcome.status !== 0 && (outcome.status < 400 || outcome.status >= 500));
    assert.deepEqual(wrong, [], "every malformed request is refused with a 4xx (or the connection closed)");
    // 5,000 small headers make a valid request: Node keeps the first 2,000 and it is answered,
    // as any other. Only that it is not a 5xx matters.
    const many = await rawExchange(
      serve.url,
      [
        `${head(
          "GET",
          "/v1/accounts/user:alice",
          Array.from({ length: 5000 }, (_, index) => `X-${index}: v`),
        )}\r\n\r\n`,
      ],
      { readUntil: /\r\n\r\n[\s\S]*\}$/ },
    );
    assert.ok(many.status < 500, `5,000 headers → ${many.status}`);
    assert.equal((await sendRequest(serve.url, "GET", "/healthz")).status, 200, "the server still answers");
  });

  test("a body sent a byte at a time, or cut off half way, costs nothing and leaves the server answering", async () => {
    const body = JSON.stringify({ account: "user:alice", amount: "1" });
    const slow = await rawExchange(
      serve.url,
      [
        `${chargeHead([`Content-Length: ${body.length}`])}\r\n\r\n`,
        ...Array.from(body.slice(0, 10), (character) => [character, pause(20)]).flat(),
      ],
      { abortAfterWrites: true },
    );
    assert.equal(slow.status, 0, "no answer to a body that never finished");
    const partials = await Promise.all(
      Array.from({ length: 20 }, () =>
        rawExchange(
          serve.url,
          [`${chargeHead([`Content-Length: ${body.length}`])}\r\n\r\n`, body.slice(0, 7), pause(50)],
          {
            abortAfterWrites: true,
          },
        ),
      ),
    );
    assert.ok(partials.every((outcome) => outcome.status === 0 || outcome.status >= 400));
    const chunkedCut = await rawExchange(
      serve.url,
      [`${chargeHead(["Transfer-Encoding: chunked"])}\r\n\r\n10\r\n{"account":"user`, pause(50)],
      { abortAfterWrites: true },
    );
    assert.ok(chunkedCut.status === 0 || chunkedCut.status >= 400);
    assert.equal((await sendRequest(serve.url, "GET", "/healthz")).status, 200, "the server still answers");
  });

  test("control and bidirectional characters in every path parameter of every route are refused", async () => {
    const document = JSON.parse((await sendRequest(serve.url, "GET", "/openapi.json")).body);
    const routes = routesOf(document).filter((route) => route.pathParameters.length > 0);
    const answers: Array<{ label: string; status: number }> = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.nat(),
        hostileString,
        fc.boolean(),
        async (route, pick, hostile, accountRef) => {
          const target = route.pathParameters[pick % route.pathParameters.length]?.name;
          const path = route.template.replace(/\{(\w+)\}/g, (_, name: string) => {
            if (name !== target) return name === "account" ? "user:alice" : name === "hold" ? holdId : "x";
            // An account is named `type:externalId`: the hostile part where the app's id goes, or alone.
            return encodeURIComponent(name === "account" && accountRef ? `user:${hostile}` : hostile);
          });
          const answer = await send(route.method, path, route.method === "POST" ? {} : undefined);
          answers.push({
            label: `${route.method} ${path} → ${answer.status} ${answer.body.slice(0, 120)}`,
            status: answer.status,
          });
          return answer.status >= 400 && answer.status < 500;
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    assertAllRefused(answers);
  });

  test("non-canonical, enormous and wrong-typed amounts are refused on every route that takes one", async () => {
    const routes = [
      (amount: unknown) => ["POST", "/v1/charges", { account: "user:alice", amount }] as const,
      (amount: unknown) => ["POST", "/v1/holds", { account: "user:alice", amount }] as const,
      (amount: unknown) => ["POST", `/v1/holds/${holdId}/settle`, { amount }] as const,
      (amount: unknown) => ["POST", "/v1/accounts/user:alice/grants", { amount, source: "promo" }] as const,
      (amount: unknown) => ["POST", "/v1/accounts/user:alice/deductions", { amount }] as const,
      (amount: unknown) => ["POST", "/v1/check", { account: "user:alice", amount }] as const,
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), refusedAmount, async (route, amount) => {
        const [method, path, body] = route(amount);
        const answer = await send(method, path, body);
        assert.ok(
          answer.status >= 400 && answer.status < 500,
          `${method} ${path} with amount ${JSON.stringify(amount)} → ${answer.status} ${answer.body.slice(0, 160)}`,
        );
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test("forged, tampered, revoked and expired keys are 401 on every route", async () => {
    const document = JSON.parse((await sendRequest(serve.url, "GET", "/openapi.json")).body);
    const routes = routesOf(document);
    const random = () => randomBytes(32).toString("base64url");
    const flip = (token: string) => `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    const forged: Array<{ label: string; header: string }> = [
      { label: "a well-formed secret key never issued", header: `Bearer tg_sk_${random()}` },
      { label: "a well-formed customer token never issued", header: `Bearer tg_ct_${random()}` },
      { label: "a forged local credential", header: `Bearer tg_lc_${random()}` },
      { label: "a secret key with its last character changed", header: `Bearer ${flip(tokens.secret)}` },
      { label: "a secret key cut short", header: `Bearer ${tokens.secret.slice(0, -4)}` },
      { label: "a secret key with a character added", header: `Bearer ${tokens.secret}A` },
      {
        label: "a customer token dressed as a secret key",
        header: `Bearer ${tokens.alice.replace("tg_ct_", "tg_sk_")}`,
      },
      { label: "a revoked key", header: `Bearer ${tokens.revoked}` },
      { label: "an expired key", header: `Bearer ${tokens.expired}` },
      { label: "a key in Basic", header: `Basic ${Buffer.from(`${tokens.secret}:`).toString("base64")}` },
      { label: "a key with no scheme", header: tokens.secret },
      { label: "two keys", header: `Bearer ${tokens.secret} ${tokens.secret}` },
      { label: "a key of 300 characters", header: `Bearer tg_sk_${"a".repeat(294)}` },
    ];
    const wrong: string[] = [];
    for (const route of routes) {
      const path = route.template.replace(/\{(\w+)\}/g, (_, name: string) =>
        name === "account" ? "user:alice" : name === "hold" ? holdId : "x",
      );
      for (const { label, header } of forged) {
        const answer = await client.send(route.method, path, {
          headers: { authorization: header, ...(route.method === "POST" ? { "idempotency-key": nextKey() } : {}) },
          ...(route.method === "POST" ? { body: {} } : {}),
        });
        if (answer.status !== 401) wrong.push(`${label}: ${route.method} ${path} → ${answer.status}`);
      }
    }
    assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} answers were not 401`);
  });

  test("the ledger is unchanged, the process is up and it logged no 5xx", async () => {
    assert.ok(serve.alive(), "the server is still running");
    assert.equal((await sendRequest(serve.url, "GET", "/healthz")).status, 200);
    assert.deepEqual(await ledgerSnapshot(), before_, "every ledger, pricing and key table is byte-identical");
    // Until issue 13's refusals fix lands, a client that leaves mid-body is logged as a 500
    // ("aborted"): those requests are checked by the todo test below, not here.
    const aborted = abortedRequestIds(serve.output());
    const fives = serverErrorLines(serve.output()).filter((line) => !aborted.has(JSON.parse(line).requestId));
    assert.deepEqual(fives.slice(0, 3), [], `${fives.length} log lines of a 5xx or an error`);
  });

  // Defects being fixed beside this suite (issue 13's refusals): each fails today, and its mark
  // comes off once the fix is merged. They run after the ledger check above, since each of them
  // changes the ledger while the defect is there.
  test("an external id with CR, LF or a bidirectional control is refused", {
    todo: "issue 13 refusals: externalId accepts CR/LF/bidi characters",
  }, async () => {
    const answers: Array<{ label: string; status: number }> = [];
    await fc.assert(
      fc.asyncProperty(hostileString, fc.constantFrom("accounts", "charges", "holds"), async (hostile, via) => {
        const answer =
          via === "accounts"
            ? await send("POST", "/v1/accounts", { type: "user", externalId: hostile })
            : await send("POST", `/v1/${via}`, { account: `user:${hostile}`, amount: "1" });
        answers.push({ label: `${via} ${JSON.stringify(hostile)} → ${answer.status}`, status: answer.status });
        return answer.status >= 400 && answer.status < 500;
      }),
      { seed: SEED, numRuns: Math.min(RUNS, 50) },
    );
    assertAllRefused(answers);
  });

  test("an amount with leading zeros is refused", {
    todo: 'issue 13 refusals: "0001" is accepted as an amount',
  }, async () => {
    for (const amount of NON_CANONICAL_ZEROS) {
      const answer = await send("POST", "/v1/charges", { account: "user:alice", amount });
      assert.ok(answer.status >= 400 && answer.status < 500, `amount ${amount} → ${answer.status}`);
    }
  });

  test("a chunked body over the limit is answered 413, and the client reads the answer before the connection closes", {
    todo: "issue 13 refusals: a chunked 413 with keep-alive ends in a socket reset",
  }, async () => {
    // Far more than the socket buffers hold: the client is still sending when the server answers.
    const chunk = `${(8192).toString(16)}\r\n${"a".repeat(8192)}\r\n`;
    const parts = [
      `${chargeHead(["Transfer-Encoding: chunked"])}\r\n\r\n`,
      ...Array.from({ length: Math.ceil((BODY_LIMIT_BYTES * 32) / 8192) }, () => chunk),
      "0\r\n\r\n",
      // The connection is keep-alive: the next request follows on it.
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      pause(1_000),
    ];
    const outcome = await rawExchange(serve.url, parts);
    assert.equal(outcome.status, 413, outcome.text.slice(0, 200));
    assert.equal(outcome.reset, false, "the connection was reset");
  });

  test("a client that leaves mid-request is not logged as a server error", {
    todo: "issue 13 refusals: client aborts are logged as 500",
  }, async () => {
    const body = JSON.stringify({ account: "user:alice", amount: "1" });
    await Promise.all(
      Array.from({ length: 10 }, () =>
        rawExchange(
          serve.url,
          [`${chargeHead([`Content-Length: ${body.length}`])}\r\n\r\n`, body.slice(0, 7), pause(50)],
          {
            abortAfterWrites: true,
          },
        ),
      ),
    );
    await pause(1_000)();
    assert.deepEqual(serverErrorLines(serve.output()).slice(0, 3), []);
  });
});

/** The log lines of a 5xx answer or of an error. */
function serverErrorLines(output: string): string[] {
  return output.split("\n").filter((line) => /"status":5\d\d|"level":"error"/.test(line));
}

/** The request ids the server logged as failed because the client left ("aborted"). */
function abortedRequestIds(output: string): Set<string> {
  const ids = new Set<string>();
  for (const line of serverErrorLines(output)) {
    const entry = JSON.parse(line) as { requestId?: string; error?: { message?: string } };
    if (entry.error?.message === "aborted" && entry.requestId) ids.add(entry.requestId);
  }
  return ids;
}
