// An organization's members over HTTP on both databases: added, listed a page at a time with
// what each drew against its caps, caps changed for the next charge, members removed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";

interface MemberJson {
  organizationId: string;
  memberId: string;
  member: string;
  addedAt: string;
  limits: Array<{ unit: string; cap: string | null; spent: string; held: string; remaining: string | null }>;
}

interface ErrorJson {
  error: { code: string; message: string; details: Record<string, unknown> & { fields?: Array<{ field: string }> } };
}

for (const database of await testDatabases()) {
  describe(`/v1/accounts/{account}/members on ${database.name}`, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let app: ReturnType<typeof createApp>;
    let token = "";
    let sequence = 0;

    before(async () => {
      ledger = await openTestLedger(database, {
        config: defineLedgerConfig({
          units: [
            { unit: "credits", scale: 0 },
            { unit: "usd", scale: 2 },
          ],
        }),
      });
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      token = (await keys.create({ kind: "secret", name: "backend" })).token;
      app = createApp({ ledger, meter, keys });
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });

    const call = (method: "GET" | "POST" | "DELETE", path: string, body?: unknown) =>
      app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(method === "POST" ? { "content-type": "application/json", "idempotency-key": `k-${++sequence}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    /** A funded organization of its own per test. */
    const organization = async (externalId: string) => {
      await ledger.grant({
        account: { type: "organization", externalId },
        amountMinor: 1000n,
        source: "purchase",
        idempotencyKey: `fund-${externalId}`,
      });
      return `/v1/accounts/organization:${externalId}/members`;
    };
    const charge = (externalId: string, member: string, amount: string) =>
      call("POST", "/v1/charges", { account: `organization:${externalId}`, member, amount });
    const reasonOf = async (response: Response) => ((await response.json()) as ErrorJson).error.details.reason;

    test("added, then listed in the order they were added, a page at a time, with what each drew", async () => {
      const members = await organization("acme");
      const added = await call("POST", members, { member: "ann", caps: { credits: "50", usd: "2.5" } });
      assert.equal(added.status, 200);
      const ann = (await added.json()) as MemberJson;
      assert.match(ann.organizationId, /^acct_/);
      assert.match(ann.memberId, /^acct_/);
      assert.equal(ann.member, "ann");
      assert.deepEqual(ann.limits, [
        { unit: "credits", cap: "50", spent: "0", held: "0", remaining: "50" },
        { unit: "usd", cap: "2.50", spent: "0.00", held: "0.00", remaining: "2.50" },
      ]);
      for (const member of ["ben", "cat"]) assert.equal((await call("POST", members, { member })).status, 200);
      assert.equal((await charge("acme", "ann", "7")).status, 200);
      assert.equal(
        (await call("POST", "/v1/holds", { account: "organization:acme", member: "ann", amount: "3" })).status,
        200,
      );
      assert.equal((await charge("acme", "ben", "4")).status, 200);

      const first = (await (await call("GET", `${members}?limit=2`)).json()) as {
        data: MemberJson[];
        nextCursor: string | null;
      };
      assert.equal(first.data.length, 2);
      assert.ok(first.nextCursor);
      const second = (await (await call("GET", `${members}?limit=2&after=${first.nextCursor}`)).json()) as {
        data: MemberJson[];
        nextCursor: string | null;
      };
      assert.equal(second.nextCursor, null);
      const listed = [...first.data, ...second.data];
      // Ids are time-ordered; two members added in one millisecond may sort either way.
      assert.deepEqual(
        listed.map((member) => member.memberId),
        [...listed.map((member) => member.memberId)].sort(),
      );
      const byName = new Map(listed.map((member) => [member.member, member]));
      assert.deepEqual([...byName.keys()].sort(), ["ann", "ben", "cat"]);
      assert.deepEqual(byName.get("ann")?.limits[0], {
        unit: "credits",
        cap: "50",
        spent: "7",
        held: "3",
        remaining: "40",
      });
      assert.deepEqual(
        byName.get("ben")?.limits,
        [{ unit: "credits", cap: null, spent: "4", held: "0", remaining: null }],
        "no cap, but what it spent",
      );
      assert.deepEqual(byName.get("cat")?.limits, []);
    });

    test("a cap change applies to the next charge; null lifts it; bad caps change nothing", async () => {
      const members = await organization("caps");
      await call("POST", members, { member: "dan", caps: { credits: "10" } });
      assert.equal((await charge("caps", "dan", "4")).status, 200);

      const lowered = await call("POST", `${members}/dan`, { caps: { credits: "5" } });
      assert.equal(lowered.status, 200);
      assert.deepEqual(((await lowered.json()) as MemberJson).limits, [
        { unit: "credits", cap: "5", spent: "4", held: "0", remaining: "1" },
      ]);
      const refused = await charge("caps", "dan", "2");
      assert.equal(refused.status, 403);
      assert.deepEqual(((await refused.json()) as ErrorJson).error.details, {
        reason: "member_cap_exceeded",
        unit: "credits",
        required: "2",
        available: "1",
        cap: "5",
      });
      assert.equal((await charge("caps", "dan", "1")).status, 200);

      for (const [caps, field] of [
        [{ gold: "1" }, "caps.gold"],
        [{ credits: "1.5" }, "caps.credits"],
        [{ usd: "0.001" }, "caps.usd"],
      ] as const) {
        const response = await call("POST", `${members}/dan`, { caps });
        assert.equal(response.status, 400, JSON.stringify(caps));
        assert.deepEqual(
          ((await response.json()) as ErrorJson).error.details.fields?.map((named) => named.field),
          [field],
        );
      }
      assert.equal((await call("POST", `${members}/dan`, { caps: { credits: null }, cap: "1" })).status, 400);
      assert.equal((await call("POST", `${members}/dan`, {})).status, 400, "caps is required");
      assert.equal((await charge("caps", "dan", "1")).status, 403, "the cap of 5 still holds");

      const lifted = await call("POST", `${members}/dan`, { caps: { credits: null } });
      assert.deepEqual(((await lifted.json()) as MemberJson).limits, [
        { unit: "credits", cap: null, spent: "5", held: "0", remaining: null },
      ]);
      assert.equal((await charge("caps", "dan", "500")).status, 200);

      const stranger = await call("POST", `${members}/stranger`, { caps: { credits: "1" } });
      assert.equal(stranger.status, 404);
      assert.equal(await reasonOf(stranger), "member_not_found");
    });

    test("removed, its later charges are refused member_not_found; a live hold keeps it in until it ends", async () => {
      const members = await organization("leavers");
      await call("POST", members, { member: "eve", caps: { credits: "20" } });
      const hold = await call("POST", "/v1/holds", { account: "organization:leavers", member: "eve", amount: "4" });
      const { holdId } = (await hold.json()) as { holdId: string };

      const refused = await call("DELETE", `${members}/eve`);
      assert.equal(refused.status, 400);
      const { error } = (await refused.json()) as ErrorJson;
      assert.deepEqual(error.details, { reason: "member_has_active_holds", activeHolds: 1 });
      assert.match(error.message, /settle or release/);
      assert.equal((await call("POST", `/v1/holds/${holdId}/release`)).status, 200);

      const removed = await call("DELETE", `${members}/eve`);
      assert.equal(removed.status, 200);
      const organizationId = (await ledger.accounts.findId({ type: "organization", externalId: "leavers" })) ?? "";
      assert.deepEqual(await removed.json(), { organizationId, member: "eve", removed: true });
      const later = await charge("leavers", "eve", "1");
      assert.equal(later.status, 404);
      assert.equal(await reasonOf(later), "member_not_found");
      assert.deepEqual(((await (await call("GET", members)).json()) as { data: unknown[] }).data, []);
      assert.deepEqual(await (await call("DELETE", `${members}/eve`)).json(), {
        organizationId,
        member: "eve",
        removed: false,
      });
      assert.equal((await call("POST", `${members}/eve`, { caps: { credits: "1" } })).status, 404);
    });

    test("only an organization has members; an account that does not exist is a 404", async () => {
      await ledger.ensureAccount({ type: "user", externalId: "solo" });
      for (const [method, path, body] of [
        ["GET", "/v1/accounts/user:solo/members", undefined],
        ["POST", "/v1/accounts/user:solo/members/bob", { caps: { credits: "1" } }],
        ["DELETE", "/v1/accounts/user:solo/members/bob", undefined],
      ] as const) {
        const response = await call(method, path, body);
        assert.equal(response.status, 400, `${method} ${path}`);
        assert.deepEqual(
          ((await response.json()) as ErrorJson).error.details.fields?.map((named) => named.field),
          ["account"],
        );
      }
      for (const method of ["GET", "DELETE"] as const) {
        const path =
          method === "GET" ? "/v1/accounts/organization:none/members" : "/v1/accounts/organization:none/members/bob";
        assert.equal((await call(method, path)).status, 404, method);
      }
      assert.equal((await call("GET", "/v1/accounts/organization:none/members?limit=0")).status, 400);
      assert.equal((await call("GET", "/v1/accounts/organization:none/members?page=2")).status, 400);
    });
  });
}
