import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { cliWorkspace, json, tollgate } from "./cli-harness.ts";

/**
 * End to end: `tollgate packs list` and `tollgate packs grant` in child processes, without
 * Stripe: the list shows what a purchase grants, a grant applies once per key, a guest and an
 * unknown pack are refused.
 */
const { workDir, configPath, targets } = await cliWorkspace({
  prefix: "cli-packs",
  config: {
    packs: {
      boost: { name: "1,000 credits", amount: "1000", bonus: "12.5", expiresIn: "30d" },
      forever: { name: "Forever", amount: "50" },
    },
  },
});

for (const target of targets) {
  describe(`tollgate packs on ${target.name}`, () => {
    let env: Record<string, string>;
    const run = (...args: string[]) => tollgate(args, env, workDir);
    before(() => {
      env = { ...target.freshEnv(), TOLLGATE_CONFIG: configPath, STRIPE_SECRET_KEY: "" };
    });
    after(() => target.cleanup());

    test("list shows each pack and what one purchase grants", async () => {
      const listed = json(await run("packs", "list", "--json"));
      assert.deepEqual(
        listed.packs.map((pack: Record<string, unknown>) => [pack.id, pack.lotAmount, pack.expiresInMs]),
        [
          ["boost", "1125", 30 * 86_400_000],
          ["forever", "50", null],
        ],
      );
      const text = await run("packs", "list");
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /boost\s+1,000 credits\s+1125 credits\s+12.5%\s+after 30d/);
    });

    test("grant applies the pack's lot once per idempotency key", async () => {
      const args = ["packs", "grant", "--type", "user", "--external-id", "alice", "--pack", "boost"];
      const first = json(await run(...args, "--idempotency-key", "order-7", "--json"));
      assert.equal(first.amount, "1125");
      assert.equal(first.balance, "1125");
      assert.equal(first.replayed, false);
      const again = json(await run(...args, "--idempotency-key", "order-7", "--json"));
      assert.equal(again.replayed, true);
      assert.equal(again.transactionId, first.transactionId);
      const text = await run(...args);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /granted pack boost: 1125 credits to user:alice/);
      assert.match(text.stdout, /balance 2250/);
    });

    test("a guest and an unknown pack are refused, naming why", async () => {
      const guest = await run("packs", "grant", "--type", "guest", "--external-id", "g1", "--pack", "boost");
      assert.notEqual(guest.code, 0);
      assert.match(guest.stderr, /guest_cannot_purchase/);
      const unknown = await run("packs", "grant", "--type", "user", "--external-id", "bob", "--pack", "mega");
      assert.notEqual(unknown.code, 0);
      assert.match(unknown.stderr, /No pack "mega" in the configuration \(it has boost, forever\)/);
    });
  });
}
