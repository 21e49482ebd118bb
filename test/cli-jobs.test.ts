import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { cliWorkspace, json, tollgate } from "./cli-harness.ts";

/**
 * `tollgate jobs` with no server to ask (on PostgreSQL the CLI never finds one; on PGlite none
 * runs here): it runs no jobs itself, says so, and shows the database's backlog. Beside a
 * running server it asks the server: test/cli-beside-server.test.ts.
 */
const { workDir, configPath, targets } = await cliWorkspace({ prefix: "cli-jobs", config: {} });

for (const target of targets) {
  describe(`tollgate jobs on ${target.name}`, () => {
    let env: Record<string, string>;
    const run = (...args: string[]) => tollgate(args, env, workDir);
    before(() => {
      env = { ...target.freshEnv(), TOLLGATE_CONFIG: configPath };
    });
    after(() => target.cleanup());

    test("without a server: no jobs, the backlog only", async () => {
      const granted = json(
        await run("grant", "--type", "user", "--external-id", "alice", "--amount", "5", "--source", "promo", "--json"),
      );
      assert.equal(granted.balance, "5");
      const answer = json(await run("jobs", "--json"));
      assert.deepEqual(answer.jobs, []);
      assert.deepEqual(answer.backlog, {
        renewalsDue: 0,
        holdsPastExpiry: 0,
        lotsPastExpiry: 0,
        deliveriesPending: 0,
        deliveriesDue: 0,
      });
      const text = await run("jobs");
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /no background jobs run in the process that answered/);
      assert.match(text.stdout, /backlog: 0 renewals due, 0 holds and 0 lots past expiry/);
    });
  });
}
