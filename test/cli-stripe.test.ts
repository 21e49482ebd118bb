import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { cliWorkspace, json, tollgate } from "./cli-harness.ts";
import { type StripeStandIn, startStripeStandIn } from "./stripe/stripe-stand-in.ts";

/**
 * End to end: `tollgate stripe push` and `tollgate stripe events` in child processes, against
 * the Stripe stand-in through STRIPE_API_BASE. What push changes is tested through the API
 * (test/stripe); here, the command's wiring, its refusal without Stripe, and the log's listing.
 */
const { workDir, configPath, targets } = await cliWorkspace({ prefix: "cli-stripe", config: {} });

for (const target of targets) {
  describe(`tollgate stripe on ${target.name}`, () => {
    let standIn: StripeStandIn;
    let env: Record<string, string>;
    const run = (extra: Record<string, string>, ...args: string[]) => tollgate(args, { ...env, ...extra }, workDir);
    before(async () => {
      standIn = await startStripeStandIn();
      env = { ...target.freshEnv(), TOLLGATE_CONFIG: configPath };
    });
    after(async () => {
      await standIn.close();
      await target.cleanup();
    });
    const stripeEnv = () => ({ STRIPE_SECRET_KEY: "sk_test_cli", STRIPE_API_BASE: standIn.url });

    test("push without a Stripe key says how to set one up, and changes nothing", async () => {
      const refused = await run({ STRIPE_SECRET_KEY: "" }, "stripe", "push", "--yes");
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /STRIPE_SECRET_KEY/);
      assert.equal(standIn.requests.length, 0);
    });

    test("push reads Stripe through STRIPE_API_BASE and finds nothing to do for a catalog with nothing to sell", async () => {
      const pushed = json(await run(stripeEnv(), "stripe", "push", "--yes", "--json"));
      assert.deepEqual(pushed.changes, []);
      assert.ok(
        standIn.requests.some((request) => request.path === "/v1/products"),
        "it asked the stand-in",
      );
    });

    test("a malformed STRIPE_API_BASE is refused naming the variable", async () => {
      const refused = await run({ ...stripeEnv(), STRIPE_API_BASE: "localhost:1234/v1" }, "stripe", "events");
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /STRIPE_API_BASE/);
    });

    test("events lists the log", async () => {
      const listed = json(await run({}, "stripe", "events", "--outcome", "processed", "--json"));
      assert.deepEqual(listed, { events: [], nextCursor: null });
    });
  });
}
