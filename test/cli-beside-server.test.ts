// The embedded database admits one process, so a `tollgate` command run while `tollgate serve`
// holds the data directory works through that server (with the credential it leaves for the
// directory's owner), and on its own again once the server has stopped. The real binary, in
// child processes, on PGlite.
import assert from "node:assert/strict";
import { mkdtempSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cliWorkspace, json, type ServeChild, serveChild, tollgate } from "./cli-harness.ts";

const CONFIG = {
  units: [{ unit: "credits", scale: 0 }],
  signupGrants: { user: [{ unit: "credits", amount: "100", expiresIn: null }] },
};

const { workDir, configPath } = await cliWorkspace({ prefix: "cli-beside", config: CONFIG });

const serve = (env: Record<string, string>) => serveChild({ cwd: workDir, env });

describe("tollgate commands beside a running tollgate serve on the embedded database", () => {
  const dataDir = mkdtempSync(join(workDir, "data-"));
  const env = { DATABASE_URL: "", TOLLGATE_DATA_DIR: dataDir, TOLLGATE_CONFIG: configPath };
  const run = (...args: string[]) => tollgate(args, env, workDir);
  const alice = ["--type", "user", "--external-id", "alice"];
  let server: ServeChild;

  before(async () => {
    server = await serve(env);
  });
  after(async () => {
    if (server.child.exitCode === null) await server.stop();
  });

  test("the first serve prints an admin key once; it works with curl as the quickstart says", async () => {
    const [, token] = await server.stderrMatch(/export TOLLGATE_KEY=(tg_sk_[A-Za-z0-9_-]{43})/);
    const keys = await fetch(`${server.url}/v1/keys?kind=secret`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(keys.status, 200, "an admin key");
    assert.equal(statSync(join(dataDir, "server.json")).mode & 0o777, 0o600, "the local credential is the owner's");
  });

  test("writes, reads and checks go through the server while it holds the directory", async () => {
    const created = json(await run("accounts", "create", ...alice, "--json"));
    assert.equal(created.externalId, "alice");
    const granted = json(await run("grant", ...alice, "--amount", "50", "--source", "promo", "--json"));
    assert.equal(granted.balance, "150");
    const balance = json(await run("balance", ...alice, "--json"));
    assert.equal(balance.balances[0].available, "150");
    const key = json(await run("keys", "create", "--kind", "secret", "--name", "worker", "--json"));
    assert.match(key.token, /^tg_sk_/);
    const listed = json(await run("keys", "list", "--kind", "secret", "--json"));
    assert.ok(listed.keys.some((one: { id: string }) => one.id === key.id));
    assert.equal(json(await run("reconcile", "--json")).ok, true);
    const migrated = json(await run("migrate", "--json"));
    assert.deepEqual(migrated.applied, []);

    const second = await run("serve", "--port", "0");
    assert.equal(second.code, 3);
    assert.match(second.stderr, /already serves this data directory at http/);
  });

  test("jobs asks the running server: its five jobs with their counts, and the backlog", async () => {
    // The sweep, renewal and dispatch loops run every second (the purges every minute or ten):
    // wait, by condition and not by time, for a pass of each of the three.
    type Job = { job: string; runs: number; failures: number };
    const everySecond = (jobs: Job[]) => jobs.filter((job) => /expiry|renewal|dispatch/.test(job.job));
    let answer = json(await run("jobs", "--json"));
    for (let attempt = 0; attempt < 200 && everySecond(answer.jobs).some((job) => job.runs === 0); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = json(await run("jobs", "--json"));
    }
    assert.match(answer.via, /^the server at http/);
    assert.deepEqual(
      answer.jobs.map((job: { job: string }) => job.job),
      ["expiry_sweep", "subscription_renewal", "webhook_dispatch", "webhook_purge", "idempotency_purge"],
    );
    assert.equal(everySecond(answer.jobs).length, 3);
    assert.ok(everySecond(answer.jobs).every((job) => job.runs >= 1));
    assert.ok(answer.jobs.every((job: Job) => job.failures === 0));
    assert.equal(answer.backlog.renewalsDue, 0);
    const text = await run("jobs");
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /expiry_sweep\s+\d+\s+0\s+\d+/);
    assert.match(text.stdout, /backlog: 0 renewals due/);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /tollgate_job_runs_total\{job="subscription_renewal"\} [1-9]/);
  });

  test("once the server stops, the same commands open the directory themselves", async () => {
    assert.equal(await server.stop(), 0);
    const alone = json(await run("jobs", "--json"));
    assert.deepEqual(alone.jobs, [], "no server: no jobs ran here, the backlog only");
    assert.equal(alone.backlog.holdsPastExpiry, 0);
    assert.throws(() => statSync(join(dataDir, "server.json")), /ENOENT/, "the server file goes with the server");
    const balance = json(await run("balance", ...alice, "--json"));
    assert.equal(balance.balances[0].available, "150");
    const again = await serve(env);
    assert.equal(await again.stop(), 0);
    assert.doesNotMatch(again.stderr(), /TOLLGATE_KEY/, "a deployment with keys gets no other first key");
  });

  test("a SIGTERM sent the moment serve prints that it listens still stops it gracefully", async () => {
    // The handler was once installed just after the line: a quick supervisor killed the
    // process outright about one time in four.
    for (let attempt = 0; attempt < 4; attempt++) {
      const quick = await serve(env);
      assert.equal(await quick.stop(), 0, `attempt ${attempt}`);
    }
  });
});
