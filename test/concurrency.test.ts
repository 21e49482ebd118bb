// Concurrency on real databases: several Ledger instances, each with its own connection
// pool, stand for several server processes; every minor unit must be accounted for.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type AccountRef, defineLedgerConfig } from "@tollgate/core";
import { Ledger } from "@tollgate/store";
import { type TestDatabase, testDatabases, uniqueSchema } from "@tollgate/store/testing";
import { seededRandom } from "../packages/core/src/testing/seeded-random.ts";
import { expectLedgerInvariants } from "./ledger-invariants.ts";

const config = defineLedgerConfig({});

/** `count` ledgers on one schema: separate pools on PostgreSQL; one instance on PGlite. */
async function openInstances(database: TestDatabase, count: number) {
  const schema = uniqueSchema("conc");
  const first = await Ledger.open({
    databaseUrl: database.databaseUrl,
    dataDir: "memory://",
    schema,
    config,
    lanes: 2,
  });
  const ledgers = [first];
  if (database.databaseUrl) {
    for (let index = 1; index < count; index++) {
      ledgers.push(await Ledger.open({ databaseUrl: database.databaseUrl, schema, config, lanes: 2, poolSize: 3 }));
    }
  }
  return {
    ledgers,
    pick: (index: number) => ledgers[index % ledgers.length] as Ledger,
    async dispose() {
      if (database.databaseUrl) await first.sql.query(`drop schema "${schema}" cascade`);
      await Promise.all(ledgers.map((ledger) => ledger.close()));
    },
  };
}

for (const database of await testDatabases()) {
  describe(`concurrency on ${database.name}`, () => {
    let instances: Awaited<ReturnType<typeof openInstances>>;
    before(async () => {
      instances = await openInstances(database, 4);
    });
    after(() => instances.dispose());

    test("balance 1 and 100 concurrent 1-unit charges: exactly one succeeds", async () => {
      const account = { type: "user" as const, externalId: "one-credit" };
      await instances.pick(0).grant({ account, amountMinor: 1n, source: "promo", idempotencyKey: "fund" });
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          instances.pick(index).charge({ account, amountMinor: 1n, idempotencyKey: `charge-${index}` }),
        ),
      );
      assert.equal(results.filter((result) => result.ok).length, 1);
      for (const result of results) if (!result.ok) assert.equal(result.code, "insufficient_credits");
      const [balance] = (await instances.pick(0).getBalances(account)) ?? [];
      assert.equal(balance?.balanceMinor, 0n);
      await expectLedgerInvariants(instances.pick(0).sql);
    });

    test("the same idempotency key sent 20 times at once takes effect once", async () => {
      const account = { type: "user" as const, externalId: "same-key" };
      await instances.pick(0).grant({ account, amountMinor: 1000n, source: "promo", idempotencyKey: "fund" });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          instances.pick(index).charge({ account, amountMinor: 7n, idempotencyKey: "only-once" }),
        ),
      );
      const transactionIds = new Set(results.map((result) => (result.ok ? result.value.transactionId : result.code)));
      assert.equal(transactionIds.size, 1, `one effect, got ${[...transactionIds].join(", ")}`);
      assert.equal(results.filter((result) => result.ok && !result.replayed).length, 1);
      const [balance] = (await instances.pick(0).getBalances(account)) ?? [];
      assert.equal(balance?.balanceMinor, 993n);
      const [row] = await instances
        .pick(0)
        .sql.query<{ count: bigint }>(
          "select count(*)::int8 as count from transactions where idempotency_key = 'only-once'",
        );
      assert.equal(row?.count, 1n);
    });

    test("50 accounts, 8 clients, 10,000 mixed operations: every unit conserved, never negative", async () => {
      const accounts: AccountRef[] = Array.from({ length: 50 }, (_, index) => ({
        type: "user" as const,
        externalId: `mixed-${index}`,
      }));
      let grantedMinor = 0n;
      let spentMinor = 0n;
      let refundedMinor = 0n;
      let negativeSeen = 0;
      const charges: string[] = [];
      let counter = 0;
      const random = seededRandom(20261121);

      async function client(clientIndex: number, operations: number) {
        const ledger = instances.pick(clientIndex);
        for (let step = 0; step < operations; step++) {
          const account = accounts[Math.floor(random() * accounts.length)] as AccountRef;
          const key = `op-${clientIndex}-${counter++}`;
          const roll = random();
          const amountMinor = BigInt(1 + Math.floor(random() * 20));
          let available: bigint | undefined;
          if (roll < 0.15) {
            const result = await ledger.grant({
              account,
              amountMinor: amountMinor * 5n,
              source: "purchase",
              idempotencyKey: key,
            });
            if (result.ok) grantedMinor += amountMinor * 5n;
            available = result.ok ? result.value.availableMinor : undefined;
          } else if (roll < 0.55) {
            const result = await ledger.charge({ account, amountMinor, idempotencyKey: key });
            if (result.ok) {
              spentMinor += amountMinor;
              charges.push(result.value.transactionId);
            }
            available = result.ok ? result.value.availableMinor : undefined;
          } else if (roll < 0.9) {
            const hold = await ledger.authorize({ account, amountMinor, idempotencyKey: key });
            if (!hold.ok) continue;
            const actual = BigInt(Math.floor(random() * Number(amountMinor) * 1.5));
            const settled =
              random() < 0.2
                ? await ledger.release({ holdId: hold.value.holdId, idempotencyKey: `${key}-end` })
                : await ledger.settle({
                    holdId: hold.value.holdId,
                    amountMinor: actual,
                    captureAvailable: true,
                    idempotencyKey: `${key}-end`,
                  });
            assert.ok(
              settled.ok,
              JSON.stringify(settled, (_k, v) => (typeof v === "bigint" ? `${v}` : v)),
            );
            if ("shortfallMinor" in settled.value) spentMinor += settled.value.amountMinor;
            available = settled.value.availableMinor;
          } else if (charges.length > 0) {
            const transactionId = charges[Math.floor(random() * charges.length)] as string;
            const result = await ledger.refund({ transactionId, amountMinor: 1n, idempotencyKey: key });
            if (result.ok) refundedMinor += 1n;
            else assert.ok(["refund_exceeds_charge"].includes(result.code), result.code);
            available = result.ok ? result.value.availableMinor : undefined;
          }
          if (available !== undefined && available < 0n) negativeSeen++;
        }
      }

      await Promise.all(Array.from({ length: 8 }, (_, index) => client(index, 1250)));
      assert.equal(negativeSeen, 0, "an available balance went negative");

      const sql = instances.pick(0).sql;
      const [totals] = await sql.query<{ balance: bigint; negative: bigint }>(
        `select coalesce(sum(b.balance_minor), 0)::int8 as balance,
                count(*) filter (where b.balance_minor - b.held_minor < 0)::int8 as negative
         from balances b join accounts a using (account_id) where a.external_id like 'mixed-%'`,
      );
      assert.equal(totals?.negative, 0n);
      assert.equal(totals?.balance, grantedMinor - spentMinor + refundedMinor, "every minor unit is accounted for");
      await expectLedgerInvariants(sql);
    });
  });
}
