// An organization's members on both databases: listed a page at a time with what they drew,
// caps changed for the next charge (and never exceeded by concurrent ones), members removed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";

const MINUTE_MS = 60_000;

for (const database of await testDatabases()) {
  describe(`organization members on ${database.name}`, () => {
    let now = new Date("2026-01-01T00:00:00Z");
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let sequence = 0;
    before(async () => {
      ledger = await openTestLedger(database, {
        clock: () => now,
        config: defineLedgerConfig({
          units: [
            { unit: "credits", scale: 0 },
            { unit: "usd", scale: 2 },
          ],
        }),
      });
    });
    after(() => ledger.dispose());

    /** A funded organization of its own, so the tests do not share caps or spending. */
    const organization = async (externalId: string) => {
      const account = await ledger.ensureAccount({ type: "organization", externalId });
      for (const unit of ["credits", "usd"]) {
        await ledger.grant({
          account: { accountId: account.accountId },
          unit,
          amountMinor: 1000n,
          source: "purchase",
          idempotencyKey: `fund-${externalId}-${unit}`,
        });
      }
      return account.accountId;
    };
    const charge = (organizationAccountId: string, member: string, amountMinor: bigint) =>
      ledger.charge({
        account: { accountId: organizationAccountId },
        member,
        amountMinor,
        idempotencyKey: `charge-${++sequence}`,
      });
    const mismatches = async () => (await ledger.reconcile()).checks.flatMap((check) => check.mismatches);
    const codeOf = (result: { ok: boolean; code?: string }) => (result.ok ? "ok" : result.code);

    test("members are listed in order a page at a time, each with its caps and what it spent and holds", async () => {
      const acme = await organization("acme-list");
      for (const member of ["ann", "ben", "cat"]) await ledger.addMember({ organization: "acme-list", member });
      await ledger.addMember({ organization: "acme-list", member: "ann", capsMinor: { credits: 50n, usd: null } });
      assert.equal(codeOf(await charge(acme, "ann", 7n)), "ok");
      const hold = await ledger.authorize({
        account: { accountId: acme },
        member: "ann",
        amountMinor: 3n,
        idempotencyKey: "list-hold",
      });
      assert.ok(hold.ok);

      const first = await ledger.listMembers({ organizationAccountId: acme, limit: 2 });
      assert.equal(first.members.length, 2);
      assert.ok(first.nextCursor);
      const second = await ledger.listMembers({ organizationAccountId: acme, limit: 2, after: first.nextCursor });
      assert.equal(second.nextCursor, null);
      const all = [...first.members, ...second.members];
      assert.deepEqual(
        all.map((member) => member.member),
        ["ann", "ben", "cat"],
        "added in that order, so in id order",
      );
      const ann = all[0];
      assert.equal(ann?.organizationAccountId, acme);
      assert.deepEqual(
        ann?.limits.map((limit) => [limit.unit, limit.capMinor, limit.spentMinor, limit.heldMinor]),
        [
          ["credits", 50n, 7n, 3n],
          ["usd", null, 0n, 0n],
        ],
      );
      assert.deepEqual(all[1]?.limits, [], "no cap and nothing drawn: no limits");
      assert.deepEqual(
        (await ledger.listMembers({ organizationAccountId: acme, after: all[2]?.memberAccountId })).members,
        [],
      );
      await assert.rejects(ledger.listMembers({ organizationAccountId: acme, limit: 0 }), RangeError);
    });

    test("a cap change applies to the next charge; spending so far stays; null lifts the cap", async () => {
      const acme = await organization("acme-caps");
      await ledger.addMember({ organization: "acme-caps", member: "dan", capsMinor: { credits: 10n } });
      assert.equal(codeOf(await charge(acme, "dan", 4n)), "ok");

      const lowered = await ledger.updateMember({
        organizationAccountId: acme,
        member: "dan",
        capsMinor: { credits: 5n },
      });
      assert.deepEqual(
        lowered?.limits.map((limit) => [limit.unit, limit.capMinor, limit.spentMinor]),
        [["credits", 5n, 4n]],
      );
      const refused = await charge(acme, "dan", 2n);
      assert.equal(codeOf(refused), "member_cap_exceeded");
      assert.deepEqual(refused.ok ? null : refused.details, { requiredMinor: 2n, availableMinor: 1n, capMinor: 5n });
      assert.equal(codeOf(await charge(acme, "dan", 1n)), "ok");

      const lifted = await ledger.updateMember({
        organizationAccountId: acme,
        member: "dan",
        capsMinor: { credits: null, usd: 100n },
      });
      assert.deepEqual(
        lifted?.limits.map((limit) => [limit.unit, limit.capMinor, limit.spentMinor]),
        [
          ["credits", null, 5n],
          ["usd", 100n, 0n],
        ],
      );
      assert.equal(codeOf(await charge(acme, "dan", 500n)), "ok");

      assert.equal(
        await ledger.updateMember({ organizationAccountId: acme, member: "stranger", capsMinor: { credits: 1n } }),
        null,
      );
      await ledger.ensureAccount({ type: "user", externalId: "outsider" });
      assert.equal(
        await ledger.updateMember({ organizationAccountId: acme, member: "outsider", capsMinor: { credits: 1n } }),
        null,
        "a user who is not a member is not made one",
      );
      await assert.rejects(
        ledger.updateMember({ organizationAccountId: acme, member: "dan", capsMinor: { gold: 1n } }),
        RangeError,
      );
    });

    test("concurrent charges never exceed a cap, even while it is lowered under them", async () => {
      const acme = await organization("acme-race");
      await ledger.addMember({ organization: "acme-race", member: "eve", capsMinor: { credits: 10n } });
      const charges = Array.from({ length: 30 }, () => charge(acme, "eve", 1n));
      const lowered = ledger.updateMember({ organizationAccountId: acme, member: "eve", capsMinor: { credits: 6n } });
      const results = await Promise.all(charges);
      await lowered;
      const succeeded = results.filter((result) => result.ok).length;
      assert.ok(succeeded <= 10, `${succeeded} charges of 1 went through a cap of at most 10`);
      assert.ok(
        results.every((result) => result.ok || result.code === "member_cap_exceeded"),
        "a refused charge was refused for its cap",
      );
      const [eve] = (await ledger.listMembers({ organizationAccountId: acme })).members;
      assert.equal(eve?.limits[0]?.spentMinor, BigInt(succeeded), "spent is exactly what the charges took");
      // Whatever went through before the change, the lowered cap holds from now on.
      const next = await charge(acme, "eve", 1n);
      assert.equal(codeOf(next), succeeded < 6 ? "ok" : "member_cap_exceeded");
      assert.deepEqual(await mismatches(), []);
    });

    test("a removed member's later draws are refused; a live hold keeps it in until it ends", async () => {
      const acme = await organization("acme-remove");
      await ledger.addMember({ organization: "acme-remove", member: "fay", capsMinor: { credits: 20n } });
      assert.equal(codeOf(await charge(acme, "fay", 5n)), "ok");
      const hold = await ledger.authorize({
        account: { accountId: acme },
        member: "fay",
        amountMinor: 4n,
        idempotencyKey: "remove-hold",
      });
      assert.ok(hold.ok);

      assert.deepEqual(await ledger.removeMember({ organizationAccountId: acme, member: "fay" }), {
        removed: false,
        reason: "member_has_active_holds",
        activeHolds: 1,
      });
      assert.equal(codeOf(await charge(acme, "fay", 1n)), "ok", "still a member");
      const settled = await ledger.settle({
        holdId: hold.value.holdId,
        amountMinor: 4n,
        idempotencyKey: "remove-settle",
      });
      assert.ok(settled.ok);

      assert.deepEqual(await ledger.removeMember({ organizationAccountId: acme, member: "fay" }), { removed: true });
      assert.equal(codeOf(await charge(acme, "fay", 1n)), "member_not_found");
      const refusedHold = await ledger.authorize({
        account: { accountId: acme },
        member: "fay",
        amountMinor: 1n,
        idempotencyKey: "removed-hold",
      });
      assert.equal(codeOf(refusedHold), "member_not_found");
      assert.deepEqual(
        (await ledger.listMembers({ organizationAccountId: acme })).members.map((member) => member.member),
        [],
      );
      assert.deepEqual(await ledger.removeMember({ organizationAccountId: acme, member: "fay" }), {
        removed: false,
        reason: "not_a_member",
      });
      assert.deepEqual(await ledger.removeMember({ organizationAccountId: acme, member: "nobody" }), {
        removed: false,
        reason: "not_a_member",
      });

      await ledger.addMember({ organization: "acme-remove", member: "fay" });
      const [again] = (await ledger.listMembers({ organizationAccountId: acme })).members;
      assert.deepEqual(again?.limits, [], "added again, it starts from nothing spent and no cap");
      assert.deepEqual(await mismatches(), []);
    });

    test("a hold that expired does not keep its member in", async () => {
      const acme = await organization("acme-expired");
      await ledger.addMember({ organization: "acme-expired", member: "gus", capsMinor: { credits: 20n } });
      const hold = await ledger.authorize({
        account: { accountId: acme },
        member: "gus",
        amountMinor: 4n,
        ttlMs: MINUTE_MS,
        idempotencyKey: "expiring-hold",
      });
      assert.ok(hold.ok);
      now = new Date(now.getTime() + 2 * MINUTE_MS);
      assert.deepEqual(await ledger.removeMember({ organizationAccountId: acme, member: "gus" }), { removed: true });
      assert.deepEqual(await mismatches(), []);
    });
  });
}
