import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cliWorkspace, json, tollgate } from "./cli-harness.ts";

/**
 * End to end: `tollgate plans` and `tollgate subscriptions` in child processes, on each store.
 * The configuration's plans are synced as each command opens the ledger, so an edited plan is a
 * new version at the next command, and `plans migrate` moves the grandfathered subscribers.
 */
const plans = {
  free: { name: "Free", period: "month", allocations: { credits: "100" } },
  pro: { name: "Pro", period: "month", allocations: { credits: "1000" } },
};
const { workDir, configPath, targets } = await cliWorkspace({
  prefix: "cli-plans",
  config: { plans, defaultPlans: { user: "free" } },
});
// The same deployment after an edit that gives pro more: a second version of it.
const editedPath = join(workDir, "edited.json");
writeFileSync(
  editedPath,
  JSON.stringify({
    plans: { ...plans, pro: { ...plans.pro, allocations: { credits: "2000" } } },
    defaultPlans: { user: "free" },
  }),
);

// A guest's default plan that is sold: the ledger cannot honour it (guests cannot purchase).
const soldToGuestsPath = join(workDir, "sold-to-guests.json");
writeFileSync(
  soldToGuestsPath,
  JSON.stringify({
    plans: { pro: { ...plans.pro, price: { amount: "9.00", currency: "eur" } } },
    defaultPlans: { guest: "pro" },
  }),
);

for (const target of targets) {
  describe(`tollgate plans and subscriptions on ${target.name}`, () => {
    let env: Record<string, string>;
    const run = (...args: string[]) => tollgate(args, env, workDir);
    const alice = ["--type", "user", "--external-id", "alice"];
    before(() => {
      env = { ...target.freshEnv(), TOLLGATE_CONFIG: configPath };
    });
    after(() => target.cleanup());

    test("a catalog the ledger cannot honour is refused as the configuration's problem, naming it", async () => {
      const refused = await tollgate(["plans", "list"], { ...env, TOLLGATE_CONFIG: soldToGuestsPath }, workDir);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(
        refused.stderr,
        /invalid_config: .*sold-to-guests\.json: plans: the default plan for guests, "pro", has a price/,
      );
    });

    test("plans list shows the configured plans at version 1", async () => {
      const listed = json(await run("plans", "list", "--json"));
      assert.deepEqual(
        listed.data.map((plan: { id: string; version: number }) => [plan.id, plan.version]),
        [
          ["free", 1],
          ["pro", 1],
        ],
      );
      const text = await run("plans", "list");
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /pro\s+v1\s+free\s+1000 credits \(reset\) per month/);
    });

    test("a user created by accounts create starts on the default plan; change and show", async () => {
      const created = json(await run("accounts", "create", ...alice, "--json"));
      assert.equal(created.balances[0]?.balance, "100");
      assert.equal(json(await run("subscriptions", "show", ...alice, "--json")).plan, "free");
      const changed = json(await run("subscriptions", "change", ...alice, "--plan", "pro", "--json"));
      assert.equal(changed.subscription.plan, "pro");
      assert.equal(changed.balance, "1000");
      const shown = await run("subscriptions", "show", ...alice);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /pro v1, active/);
    });

    test("subscriptions create and cancel; an unknown plan is refused naming the configured ones", async () => {
      const acme = ["--type", "organization", "--external-id", "acme"];
      const subscribed = json(await run("subscriptions", "create", ...acme, "--plan", "free", "--json"));
      assert.equal(subscribed.subscription.plan, "free");
      const canceled = json(await run("subscriptions", "cancel", ...acme, "--json"));
      assert.equal(canceled.subscription.cancelAtPeriodEnd, true);
      const unknown = await run(
        "subscriptions",
        "create",
        "--type",
        "organization",
        "--external-id",
        "b",
        "--plan",
        "gold",
      );
      assert.notEqual(unknown.code, 0);
      assert.match(unknown.stderr, /no plan "gold".*free, pro/);
      const noPlan = await run("subscriptions", "create", "--type", "organization", "--external-id", "b");
      assert.equal(noPlan.code, 2);
      assert.match(noPlan.stderr, /--plan/);
    });

    test("an edited plan is a new version; plans migrate moves its grandfathered subscribers, once", async () => {
      const before = json(await run("plans", "show", "pro", "--json"));
      assert.deepEqual(
        before.versions.map((version: { subscribers: number }) => version.subscribers),
        [1],
      );
      env = { ...env, TOLLGATE_CONFIG: editedPath };
      const edited = json(await run("plans", "show", "pro", "--json"));
      assert.equal(edited.version, 2);
      assert.deepEqual(
        edited.versions.map((version: { version: number; subscribers: number }) => [
          version.version,
          version.subscribers,
        ]),
        [
          [1, 1],
          [2, 0],
        ],
      );
      const migrated = await run("plans", "migrate", "pro", "--json");
      assert.deepEqual(json(migrated), { plan: "pro", toVersion: 2, moved: 1, refused: [] });
      assert.match(migrated.stderr, /moved 1 to pro v2/);
      assert.deepEqual(json(await run("plans", "migrate", "pro", "--json")).moved, 0);
      assert.equal(json(await run("subscriptions", "show", ...alice, "--json")).planVersion, 2);
      const bad = await run("plans", "migrate", "pro", "--to-version", "0");
      assert.equal(bad.code, 2);
    });
  });
}
