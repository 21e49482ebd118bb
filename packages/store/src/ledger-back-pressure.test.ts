// Back-pressure through the Ledger on both databases: while one batch is held (another
// transaction holds the account's row, and on PGlite its one connection), the lane takes
// exactly `queueMax` more operations and refuses the rest at once, with no effect. Counted,
// never timed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CommitLaneFull } from "./commit-lane-full.ts";
import { ledgerQueueMaxDefault } from "./ledger.ts";
import { openTestLedger, testDatabases } from "./testing/test-databases.ts";

/** A gate: a promise and the function that opens it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Polls a condition the test cannot be told of (the batch has taken its item); no claim about speed. */
async function waitFor(check: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 6_000; attempt++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail("timed out waiting for the held batch to take its operation");
}

const QUEUE_MAX = 3;
const SUBMITTED = 8;

for (const database of await testDatabases()) {
  describe(`back-pressure on the commit lanes on ${database.name}`, () => {
    test("a full lane refuses exactly the operations over its bound, and they change nothing", async () => {
      const ledger = await openTestLedger(database, { lanes: 1, batchSizeMax: 1, queueMax: QUEUE_MAX });
      try {
        const opened = await ledger.grant({
          account: { type: "user", externalId: "busy" },
          amountMinor: 100n,
          source: "promo",
          idempotencyKey: "start",
        });
        assert.ok(opened.ok);
        const account = { accountId: opened.value.accountId };
        const held = gate();
        const locked = gate();
        let holder: Promise<void> | undefined;
        const outcomes: Array<Promise<unknown>> = [];
        try {
          // Holds the account's row until the gate opens, so the first batch waits on its lock.
          holder = ledger.sql.transaction(async (tx) => {
            await tx.query("select 1 from accounts where account_id = $1 for update", [account.accountId]);
            locked.open();
            await held.opened;
          });
          await locked.opened;
          const charge = (index: number) =>
            ledger.charge({ account, amountMinor: 1n, idempotencyKey: `charge-${index}` }).then(
              (result) => (result.ok ? "ok" : result.code),
              (error: unknown) => error,
            );
          // The first is taken into a batch, which waits on the lock; then QUEUE_MAX queue behind it.
          outcomes.push(charge(0));
          await waitFor(() => ledger.writingOperations === 1 && ledger.pendingOperations === 0);
          for (let index = 1; index < SUBMITTED; index++) outcomes.push(charge(index));
          const refused = await Promise.all(outcomes.slice(1 + QUEUE_MAX));
          assert.equal(refused.length, SUBMITTED - 1 - QUEUE_MAX);
          for (const error of refused) assert.ok(error instanceof CommitLaneFull);
          assert.equal(ledger.pendingOperations, QUEUE_MAX);
        } finally {
          // Whatever failed above, the held batch must end, or the ledger never closes.
          held.open();
          await holder;
        }
        assert.deepEqual(await Promise.all(outcomes.slice(0, 1 + QUEUE_MAX)), ["ok", "ok", "ok", "ok"]);
        const [credits] = (await ledger.getBalances(account)) ?? [];
        assert.equal(credits?.balanceMinor, 100n - BigInt(1 + QUEUE_MAX));
        // A refused operation left nothing behind: its key runs afresh, once.
        const retried = await ledger.charge({ account, amountMinor: 1n, idempotencyKey: `charge-${SUBMITTED - 1}` });
        assert.ok(retried.ok);
        assert.equal((await ledger.getBalances(account))?.[0]?.balanceMinor, 100n - BigInt(2 + QUEUE_MAX));
        assert.equal((await ledger.reconcile()).ok, true);
      } finally {
        await ledger.dispose();
      }
    });
  });
}

test("the default bound is eight full batches per lane", () => {
  assert.equal(ledgerQueueMaxDefault(2, 512), 8192);
  assert.equal(ledgerQueueMaxDefault(1, 512), 4096);
});
