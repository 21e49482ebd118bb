// A plan's access rule and overage through the ledger, on PGlite and PostgreSQL.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { PlanCatalog } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { Ledger } from "../ledger.ts";

/** 100 credits a month; `openai/gpt-4o-mini` and `summarize` only. */
const free = testPlan({
  id: "free",
  models: { allow: ["openai/gpt-4o-mini"], deny: [] },
  features: { allow: ["summarize"], deny: [] },
});
/** 1000 credits a month, every OpenAI model but o1, 50 credits of overage; an upgrade from `free`. */
const pro = testPlan({
  id: "pro",
  allocations: [allocation({ amountMinor: 1_000n })],
  models: { allow: ["openai/*"], deny: ["openai/o1*"] },
  overage: { policy: "allow", unit: "credits", limitMinor: 50n },
  cancel: "now",
});
const catalog: PlanCatalog = { plans: [free, pro], packs: [], defaultPlans: { guest: "free" } };

/** A test ledger that took the catalog, as the server does at start. */
async function openWithCatalog(database: Awaited<ReturnType<typeof testDatabases>>[number]) {
  const ledger = await openTestLedger(database);
  await ledger.syncPlanCatalog(catalog);
  return ledger;
}

for (const database of await testDatabases()) {
  describe(`plan access and overage on ${database.name}`, () => {
    test("a refused spend writes nothing and names the plans that would allow it", async () => {
      const ledger = await openWithCatalog(database);
      try {
        const user = { type: "user" as const, externalId: "u-free" };
        assert.ok((await ledger.subscribe({ account: user, plan: free, idempotencyKey: "sub" })).ok);
        const before = await ledger.sql.query<{ count: bigint }>("select count(*)::bigint as count from transactions");
        const refused = await ledger.charge({
          account: user,
          amountMinor: 5n,
          model: "openai/gpt-4o",
          idempotencyKey: "c1",
        });
        assert.deepEqual(refused.ok ? null : [refused.code, refused.details.plan, refused.details.plans], [
          "model_not_in_plan",
          "free",
          ["pro"],
        ]);
        const hold = await ledger.authorize({
          account: user,
          amountMinor: 5n,
          feature: "translate",
          idempotencyKey: "h1",
        });
        assert.equal(hold.ok ? null : hold.code, "feature_not_in_plan");
        const after = await ledger.sql.query<{ count: bigint }>("select count(*)::bigint as count from transactions");
        assert.equal(after[0]?.count, before[0]?.count, "no transaction was written");
        const allowed = await ledger.charge({
          account: user,
          amountMinor: 5n,
          model: "openai/gpt-4o-mini",
          feature: "summarize",
          idempotencyKey: "c2",
        });
        assert.equal(allowed.ok && allowed.value.balanceMinor, 95n);
        assert.equal((await ledger.reconcile()).ok, true);
      } finally {
        await ledger.dispose();
      }
    });

    test("a plan change racing charges is exact: each charge meets the plan its batch position sees", async () => {
      const ledger = await openWithCatalog(database);
      try {
        const user = { type: "user" as const, externalId: "u-race" };
        assert.ok((await ledger.subscribe({ account: user, plan: free, idempotencyKey: "sub" })).ok);
        const charge = (index: number) =>
          ledger.charge({ account: user, amountMinor: 1n, model: "openai/gpt-4o", idempotencyKey: `c${index}` });
        const planVersion = (await ledger.syncPlanVersions([pro])).get("pro")?.planVersion ?? 0;
        // Submitted together through the same path: one account keeps one lane, so the ledger
        // applies them in this order, the change among the charges, in as few batches as it likes.
        const early = Array.from({ length: 10 }, (_, index) => charge(index));
        const change = ledger.execute({
          kind: "change_plan",
          account: user,
          plan: pro,
          planVersion,
          idempotencyKey: "upgrade",
        });
        const late = Array.from({ length: 10 }, (_, index) => charge(10 + index));
        const [earlyResults, changed, lateResults] = await Promise.all([Promise.all(early), change, Promise.all(late)]);
        assert.ok(changed.ok);
        assert.deepEqual(
          earlyResults.map((result) => (result.ok ? "ok" : result.code)),
          Array(10).fill("model_not_in_plan"),
        );
        assert.deepEqual(
          lateResults.map((result) => (result.ok ? "ok" : result.code)),
          Array(10).fill("ok"),
        );
        const balance = (await ledger.getBalances(user, { unit: "credits", fresh: true }))?.[0]?.balanceMinor;
        assert.equal(balance, 100n + 900n - 10n, "free's 100, the upgrade's 900, minus ten charges");
        assert.equal((await ledger.reconcile()).ok, true);
      } finally {
        await ledger.dispose();
      }
    });

    test("overage: charges go down to minus the limit, debt outlives a cancellation, reconcile stays green", async () => {
      const ledger = await openWithCatalog(database);
      try {
        const user = { type: "user" as const, externalId: "u-pro" };
        assert.ok((await ledger.subscribe({ account: user, plan: pro, idempotencyKey: "sub" })).ok);
        const over = await ledger.charge({ account: user, amountMinor: 1_050n, idempotencyKey: "c1" });
        assert.equal(over.ok && over.value.availableMinor, -50n);
        const beyond = await ledger.charge({ account: user, amountMinor: 1n, idempotencyKey: "c2" });
        assert.equal(beyond.ok ? null : beyond.code, "insufficient_credits");
        const report = await ledger.reconcile();
        assert.equal(report.ok, true, JSON.stringify(report.checks.filter((check) => check.mismatches.length > 0)));

        assert.ok((await ledger.cancelSubscription({ account: user, idempotencyKey: "cancel" })).ok);
        const afterCancel = await ledger.reconcile();
        assert.equal(afterCancel.ok, true, "what the plan allowed stays owed, within the allowance");
        const blocked = await ledger.charge({ account: user, amountMinor: 1n, idempotencyKey: "c3" });
        assert.equal(blocked.ok ? null : blocked.code, "insufficient_credits");

        assert.ok((await ledger.grant({ account: user, amountMinor: 80n, source: "promo", idempotencyKey: "g" })).ok);
        const [view] = (await ledger.getBalances(user, { unit: "credits", fresh: true })) ?? [];
        assert.equal(view?.balanceMinor, 30n, "the grant repaid the 50 owed first");
        const totals = await ledger.sql.query<{ total: bigint }>(
          "select coalesce(sum(amount_minor), 0)::bigint as total from entries where unit = 'credits'",
        );
        assert.equal(totals[0]?.total, 0n, "every unit is conserved");
        assert.equal((await ledger.reconcile()).ok, true);
      } finally {
        await ledger.dispose();
      }
    });

    test("concurrent charges from two instances stop exactly at the overage limit and conserve every unit", async () => {
      const ledger = await openWithCatalog(database);
      // PostgreSQL: a second instance on the same schema, so the two meet only at the account's row lock.
      const other = database.databaseUrl
        ? await Ledger.open({ databaseUrl: database.databaseUrl, schema: ledger.schema, migrate: false })
        : ledger;
      if (other !== ledger) await other.syncPlanCatalog(catalog);
      try {
        const user = { type: "user" as const, externalId: "u-burst" };
        assert.ok((await ledger.subscribe({ account: user, plan: pro, idempotencyKey: "sub" })).ok);
        // 1,000 allocated + 50 of overage = 1,050: 52 charges of 20 fit (1,040), the 53rd would not.
        const results = await Promise.all(
          Array.from({ length: 60 }, (_, index) =>
            (index % 2 === 0 ? ledger : other).charge({ account: user, amountMinor: 20n, idempotencyKey: `b${index}` }),
          ),
        );
        const codes = results.map((result) => (result.ok ? "ok" : result.code));
        assert.equal(codes.filter((code) => code === "ok").length, 52);
        assert.equal(codes.filter((code) => code === "insufficient_credits").length, 8);
        const [view] = (await ledger.getBalances(user, { unit: "credits", fresh: true })) ?? [];
        assert.equal(view?.balanceMinor, -40n);
        const totals = await ledger.sql.query<{ total: bigint }>(
          "select coalesce(sum(amount_minor), 0)::bigint as total from entries where unit = 'credits'",
        );
        assert.equal(totals[0]?.total, 0n, "every unit is conserved");
        assert.equal((await ledger.reconcile()).ok, true);
      } finally {
        if (other !== ledger) await other.close();
        await ledger.dispose();
      }
    });

    test("a guest on its free default plan spends the allocation and is refused what the plan denies", async () => {
      const ledger = await openWithCatalog(database);
      try {
        // The guest's first charge opens it, subscribed to its default plan, in the charge's transaction.
        const guest = { type: "guest" as const, externalId: "g-1" };
        const spent = await ledger.charge({
          account: guest,
          amountMinor: 40n,
          model: "openai/gpt-4o-mini",
          idempotencyKey: "c1",
        });
        assert.equal(spent.ok && spent.value.balanceMinor, 60n, "drawn from the plan's allocation");
        const denied = await ledger.charge({
          account: guest,
          amountMinor: 1n,
          model: "openai/gpt-4o",
          idempotencyKey: "c2",
        });
        assert.deepEqual(denied.ok ? null : [denied.code, denied.details.plans], ["model_not_in_plan", ["pro"]]);
        const tooMuch = await ledger.charge({
          account: guest,
          amountMinor: 61n,
          model: "openai/gpt-4o-mini",
          idempotencyKey: "c3",
        });
        assert.equal(tooMuch.ok ? null : tooMuch.code, "insufficient_credits", "a free plan's guest has no overage");
      } finally {
        await ledger.dispose();
      }
    });
  });
}
