// GET /v1/jobs and the tollgate_job_* metrics on both databases: this process's job counts, and
// the backlog read from the database (due renewals, expired holds and lots, pending deliveries).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineLedgerConfig } from "@tollgate/core";
import { testPlan } from "@tollgate/core/testing";
import { Meter } from "@tollgate/metering";
import { ApiKeys, Webhooks } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";
import { JobStats } from "../../jobs/job-stats.ts";

const config = defineLedgerConfig({ signupGrants: { user: [], organization: [], guest: [] } });

for (const database of await testDatabases()) {
  describe(`GET /v1/jobs on ${database.name}`, () => {
    const clock = { now: new Date("2027-01-15T00:00:00Z") };
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let admin = "";
    const stats = new JobStats({ clock: () => new Date("2027-01-15T00:00:05Z") });
    let app: ReturnType<typeof createApp>;
    before(async () => {
      ledger = await openTestLedger(database, { config, clock: () => clock.now });
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      admin = (await keys.create({ kind: "secret", admin: true, name: "operator" })).token;
      app = createApp({ ledger, meter, keys, jobs: stats });
    });
    after(async () => {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    });
    const jobs = async () => {
      const response = await app.request("/v1/jobs", { headers: { authorization: `Bearer ${admin}` } });
      assert.equal(response.status, 200);
      return (await response.json()) as { jobs: Array<Record<string, unknown>>; backlog: Record<string, number> };
    };

    test("the backlog counts what each job's next pass would take", async () => {
      assert.deepEqual((await jobs()).backlog, {
        renewalsDue: 0,
        holdsPastExpiry: 0,
        lotsPastExpiry: 0,
        deliveriesPending: 0,
        deliveriesDue: 0,
      });
      const alice = { type: "user" as const, externalId: "alice" };
      assert.ok((await ledger.subscribe({ account: alice, plan: testPlan(), idempotencyKey: "sub" })).ok);
      assert.ok(
        (
          await ledger.grant({
            account: alice,
            amountMinor: 50n,
            source: "promo",
            expiresAt: new Date("2027-01-20T00:00:00Z"),
            idempotencyKey: "promo",
          })
        ).ok,
      );
      assert.ok((await ledger.authorize({ account: alice, amountMinor: 10n, ttlMs: 60_000, idempotencyKey: "h" })).ok);
      const webhooks = Webhooks.of(ledger);
      await webhooks.createEndpoint({ url: "http://127.0.0.1:9/hooks" });
      const org = { type: "organization" as const, externalId: "drained" };
      await ledger.grant({ account: org, amountMinor: 1n, source: "promo", idempotencyKey: "fill" });
      await ledger.charge({ account: org, amountMinor: 1n, idempotencyKey: "drain" });

      // Past the hold's expiry, the promo lot's and the period's end: each job has one waiting.
      clock.now = new Date("2027-02-01T00:00:00Z");
      const { backlog } = await jobs();
      assert.equal(backlog.renewalsDue, 1);
      assert.equal(backlog.holdsPastExpiry, 1);
      assert.equal(backlog.lotsPastExpiry, 2, "the promo lot, and January's plan lot");
      assert.ok((backlog.deliveriesPending ?? 0) >= 1, "balance.depleted for the drained organization");
      assert.equal(backlog.deliveriesDue, backlog.deliveriesPending);

      await ledger.sweepExpired();
      await ledger.renewDue();
      const swept = (await jobs()).backlog;
      assert.equal(swept.renewalsDue, 0);
      assert.equal(swept.holdsPastExpiry, 0);
      assert.equal(swept.lotsPastExpiry, 0);
    });

    test("jobs lists this process's counts, and /metrics has them as tollgate_job_* by job", async () => {
      const renewal = stats.recorder("subscription_renewal");
      stats.recorder("expiry_sweep");
      renewal.started();
      renewal.finished({ itemsDone: 7, failed: false });
      renewal.started();
      renewal.finished({ itemsDone: 0, failed: true });
      const listed = await jobs();
      assert.deepEqual(
        listed.jobs.map((job) => job.job),
        ["expiry_sweep", "subscription_renewal"],
      );
      assert.deepEqual(listed.jobs[1], {
        job: "subscription_renewal",
        runs: 2,
        failures: 1,
        itemsDone: 7,
        running: false,
        lastRunAt: "2027-01-15T00:00:05.000Z",
        lastSuccessAt: "2027-01-15T00:00:05.000Z",
        lastFailureAt: "2027-01-15T00:00:05.000Z",
      });
      const text = await (await app.request("/metrics")).text();
      const seconds = Date.parse("2027-01-15T00:00:05Z") / 1000;
      for (const line of [
        'tollgate_job_runs_total{job="subscription_renewal"} 2',
        'tollgate_job_failures_total{job="subscription_renewal"} 1',
        'tollgate_job_items_total{job="subscription_renewal"} 7',
        `tollgate_job_last_run_timestamp_seconds{job="subscription_renewal"} ${seconds}`,
        `tollgate_job_last_success_timestamp_seconds{job="subscription_renewal"} ${seconds}`,
        'tollgate_job_runs_total{job="expiry_sweep"} 0',
        'tollgate_job_last_success_timestamp_seconds{job="expiry_sweep"} 0',
      ]) {
        assert.ok(text.includes(line), `${line} in\n${text}`);
      }
    });

    test("without job stats (the CLI's in-process app) it lists no jobs, only the backlog", async () => {
      const bare = createApp({ ledger, meter, keys });
      const response = await bare.request("/v1/jobs", { headers: { authorization: `Bearer ${admin}` } });
      const body = (await response.json()) as { jobs: unknown[]; backlog: object };
      assert.deepEqual(body.jobs, []);
      assert.ok("renewalsDue" in body.backlog);
      assert.ok(!(await (await bare.request("/metrics")).text()).includes("tollgate_job_"));
    });
  });
}
