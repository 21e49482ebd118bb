import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { cliWorkspace, json, refused, tollgate } from "./cli-harness.ts";

/**
 * End to end: `tollgate webhooks` in child processes, on PGlite and (when reachable)
 * PostgreSQL. The dispatcher itself is tested in packages/server/src/webhooks.
 */
const CONFIG = {
  units: [{ unit: "credits", scale: 2 }],
  webhooks: { lowBalanceThresholds: { credits: "5" } },
};

const { workDir, configPath, targets } = await cliWorkspace({ prefix: "cli-webhooks", config: CONFIG });

for (const target of targets) {
  describe(`tollgate webhooks on ${target.name}`, () => {
    let env: Record<string, string>;
    const run = (...args: string[]) => tollgate(args, env, workDir);
    const alice = ["--type", "user", "--external-id", "alice"];
    before(async () => {
      env = { ...target.freshEnv(), TOLLGATE_CONFIG: configPath };
      json(await run("accounts", "create", ...alice, "--json"));
    });
    after(() => target.cleanup());

    test("add prints the secret once; list never shows it; bad input changes nothing", async () => {
      const human = await run("webhooks", "add", "--url", "https://app.example.com/hooks", "--events", "balance.low");
      assert.equal(human.code, 0, human.stderr);
      const secret = /signing secret: (whsec_[A-Za-z0-9_-]{43})\n/.exec(human.stdout)?.[1] ?? "";
      assert.ok(secret);
      assert.match(human.stderr, /shown only once/);
      const listed = await run("webhooks", "list", "--json");
      assert.equal(listed.stdout.includes(secret), false);
      assert.equal(json(listed).endpoints.length, 1);
      refused(await run("webhooks", "add", "--url", "ftp://x.example"), /http:\/\/ or https:\/\//);
      refused(
        await run("webhooks", "add", "--url", "https://x.example", "--events", "balance.lowish"),
        /not an event type/,
      );
      refused(await run("webhooks", "disable", "we_nope"), /not an endpoint id/);
      refused(await run("webhooks", "replay", "acct_1"), /neither an event id/);
      refused(await run("webhooks", "threshold", ...alice, "--below", "1.234"), /--below/);
      assert.equal(json(await run("webhooks", "list", "--json")).endpoints.length, 1, "nothing half-written");
    });

    test("threshold, an event at the crossing, its delivery, replay, disable", async () => {
      const all = json(await run("webhooks", "add", "--url", "http://127.0.0.1:9/all", "--json"));
      assert.match(all.secret, /^whsec_/);
      const shown = json(await run("webhooks", "threshold", ...alice, "--json"));
      assert.deepEqual(shown.thresholds, [
        { unit: "credits", account: null, default: "5.00", effective: "5.00", off: false },
      ]);
      const set = json(await run("webhooks", "threshold", ...alice, "--below", "10", "--json"));
      assert.equal(set.thresholds[0].effective, "10.00");
      json(await run("grant", ...alice, "--amount", "20", "--source", "promo", "--json"));
      json(await run("deduct", ...alice, "--amount", "15", "--reason", "test", "--json"));
      const events = json(await run("webhooks", "events", ...alice, "--json")).events;
      assert.deepEqual(
        events.map((event: { type: string; data: { available: string } }) => [event.type, event.data.available]),
        [["balance.low", "5.00"]],
      );
      const eventId = events[0].eventId;
      const deliveries = json(await run("webhooks", "deliveries", "--event", eventId, "--json")).deliveries;
      assert.equal(deliveries.length, 2, "both endpoints take balance.low");
      assert.deepEqual(
        deliveries.map((d: { status: string }) => d.status),
        ["pending", "pending"],
      );
      const one = json(await run("webhooks", "deliveries", deliveries[0].deliveryId, "--json"));
      assert.deepEqual([one.deliveryId, one.log], [deliveries[0].deliveryId, []]);
      const replayed = json(await run("webhooks", "replay", eventId, "--json"));
      assert.equal(replayed.deliveryIds.length, 2);
      const disabled = json(await run("webhooks", "disable", all.endpointId, "--json"));
      assert.deepEqual([disabled.enabled, disabled.pendingFailed], [false, 2]);
      const again = await run(
        "webhooks",
        "replay",
        deliveries.find((d: { endpointId: string }) => d.endpointId === all.endpointId).deliveryId,
      );
      assert.equal(again.code, 1);
      assert.match(again.stderr, /endpoint is disabled/);
      const failed = json(
        await run("webhooks", "deliveries", "--endpoint", all.endpointId, "--status", "failed", "--json"),
      );
      assert.equal(failed.deliveries.length, 2);
      const off = json(await run("webhooks", "threshold", ...alice, "--below", "0", "--json"));
      assert.equal(off.thresholds[0].off, true);
      const cleared = json(await run("webhooks", "threshold", ...alice, "--clear", "--json"));
      assert.equal(cleared.thresholds[0].effective, "5.00");
    });
  });
}
