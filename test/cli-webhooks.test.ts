import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { verifyWebhookSignature } from "@tollgate/server";
import { cliWorkspace, json, refused, serveChild, tollgate } from "./cli-harness.ts";

/**
 * End to end: `tollgate webhooks` in child processes, on PGlite and (when reachable)
 * PostgreSQL, and beside a running `tollgate serve` that sends what they queue. The
 * dispatcher itself is tested in packages/server/src/webhooks.
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
      refused(await run("webhooks", "disable", "we_nope"), /an endpoint id: we_ and 32 hex digits/);
      refused(await run("webhooks", "replay", "acct_1"), /neither an event id/);
      refused(await run("webhooks", "threshold", ...alice, "--below", "1.234"), /below: "1.234" has 3 decimal places/);
      refused(
        await run("webhooks", "events", "--before", "evt_1"),
        /--before must be the cursor a previous page printed/,
      );
      assert.equal(json(await run("webhooks", "list", "--json")).endpoints.length, 1, "nothing half-written");
    });

    test("an id or an account that does not exist exits 1 with a code naming what is missing", async () => {
      const none = (prefix: string) => `${prefix}_${"0".repeat(32)}`;
      for (const [args, code] of [
        [["webhooks", "disable", none("we")], "endpoint_not_found"],
        [["webhooks", "deliveries", none("wd")], "delivery_not_found"],
        [["webhooks", "replay", none("evt")], "not_found"],
      ] as const) {
        const missing = await run(...args, "--json");
        assert.equal(missing.code, 1, `${args.join(" ")}: ${missing.stderr}`);
        assert.equal(JSON.parse(missing.stdout).error.code, code);
      }
      const nobody = await run("webhooks", "events", "--type", "user", "--external-id", "nobody");
      assert.equal(nobody.code, 1, "an unknown account is said, not listed as no events");
      assert.match(nobody.stderr, /no such account/i);
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
      const eventId = events[0].id;
      const deliveries = json(await run("webhooks", "deliveries", "--event", eventId, "--json")).deliveries;
      assert.equal(deliveries.length, 2, "both endpoints take balance.low");
      assert.deepEqual(
        deliveries.map((d: { status: string }) => d.status),
        ["pending", "pending"],
      );
      const one = json(await run("webhooks", "deliveries", deliveries[0].id, "--json"));
      assert.deepEqual([one.id, one.log], [deliveries[0].id, []]);
      const replayed = json(await run("webhooks", "replay", eventId, "--json"));
      assert.equal(replayed.deliveryIds.length, 2);
      const disabled = json(await run("webhooks", "disable", all.id, "--json"));
      assert.deepEqual([disabled.enabled, disabled.pendingFailed], [false, 2]);
      const again = await run(
        "webhooks",
        "replay",
        deliveries.find((d: { endpointId: string }) => d.endpointId === all.id).id,
      );
      assert.equal(again.code, 1);
      assert.match(again.stderr, /endpoint is disabled/);
      const failed = json(await run("webhooks", "deliveries", "--endpoint", all.id, "--status", "failed", "--json"));
      assert.equal(failed.deliveries.length, 2);
      const off = json(await run("webhooks", "threshold", ...alice, "--below", "0", "--json"));
      assert.equal(off.thresholds[0].off, true);
      const cleared = json(await run("webhooks", "threshold", ...alice, "--clear", "--json"));
      assert.equal(cleared.thresholds[0].effective, "5.00");
      const first = json(await run("webhooks", "list", "--include-disabled", "--limit", "1", "--json"));
      assert.equal(first.endpoints.length, 1);
      const rest = json(await run("webhooks", "list", "--include-disabled", "--after", first.nextCursor, "--json"));
      assert.deepEqual(
        [rest.endpoints.at(-1).id, rest.nextCursor],
        [all.id, null],
        "pages in creation order, disabled ones included",
      );
    });
  });
}

const serve = (env: Record<string, string>) => serveChild({ cwd: workDir, env });

describe("tollgate webhooks beside a running tollgate serve on the embedded database", () => {
  const env = { DATABASE_URL: "", TOLLGATE_DATA_DIR: mkdtempSync(join(workDir, "data-")), TOLLGATE_CONFIG: configPath };
  const run = (...args: string[]) => tollgate(args, env, workDir);
  const alice = ["--type", "user", "--external-id", "alice"];

  test("an endpoint added through the server gets the event signed with the printed secret; the log shows it", async () => {
    const received: Array<{ body: string; signature: string | undefined }> = [];
    const receiver = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        received.push({ body, signature: request.headers["tollgate-signature"] as string | undefined });
        response.end("ok");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const server = await serve(env);
    try {
      const { port } = receiver.address() as AddressInfo;
      json(await run("accounts", "create", ...alice, "--json"));
      const endpoint = json(
        await run("webhooks", "add", "--url", `http://127.0.0.1:${port}/hooks`, "--events", "balance.low", "--json"),
      );
      json(await run("grant", ...alice, "--amount", "20", "--source", "promo", "--json"));
      json(await run("deduct", ...alice, "--amount", "16", "--reason", "test", "--json"));
      const [event] = json(await run("webhooks", "events", ...alice, "--json")).events;
      assert.deepEqual([event?.type, event?.data.available], ["balance.low", "4.00"], "below the default of 5");
      // The server sends it within a second of its tick, and records the attempt once the
      // receiver has answered: look again until it has (a bounded number of looks, no clock).
      let delivery: { id: string; status: string } | undefined;
      for (let look = 0; look < 20 && delivery?.status !== "succeeded"; look++) {
        delivery = json(await run("webhooks", "deliveries", "--event", event.id, "--json")).deliveries[0];
      }
      assert.equal(delivery?.status, "succeeded");
      assert.equal(received.length, 1);
      const [{ body, signature } = { body: "", signature: undefined }] = received;
      verifyWebhookSignature({ payload: body, header: signature, secret: endpoint.secret });
      assert.equal(JSON.parse(body).id, event.id);
      const shown = await run("webhooks", "deliveries", delivery?.id ?? "");
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^status succeeded after 1 attempts$/m);
      assert.match(shown.stdout, /^1 +\S+ +\d+ +200 +- +ok$/m, "the attempt: its status and the response's body");
    } finally {
      await server.stop();
      receiver.closeAllConnections();
      receiver.close();
    }
  });
});
