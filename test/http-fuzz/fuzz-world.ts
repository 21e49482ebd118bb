import { defineLedgerConfig } from "@tollgate/core";
import { definePricingConfig, Meter } from "@tollgate/metering";
import { ApiKeys, BalanceEvents } from "@tollgate/store";
import { openTestLedger, type TestDatabase } from "@tollgate/store/testing";
import { createApp } from "../../packages/server/src/create-app.ts";

/** The keys the fuzz sends: live ones of each kind, and ones that must never authenticate. */
export interface FuzzTokens {
  secret: string;
  /** alice's customer token. */
  alice: string;
  /** bob's customer token: every use of it on alice's account must be refused. */
  bob: string;
  revoked: string;
  expired: string;
}

/** What the seeded world holds, for requests that must be refused by the ledger rather than the schema. */
export interface FuzzWorld {
  app: ReturnType<typeof createApp>;
  ledger: Awaited<ReturnType<typeof openTestLedger>>;
  tokens: FuzzTokens;
  aliceId: string;
  /** An active hold of alice's. */
  holdId: string;
  /** A hold of alice's that was settled. */
  settledHoldId: string;
  /** What the app logged as `request failed` (an answer of 500), by request id: why a 5xx happened. */
  serverErrors: Map<string, string>;
  close(): Promise<void>;
}

/**
 * A ledger with a few accounts, balances, holds, a feature, an organization with a capped
 * member, and keys of every kind; the app built on it exactly as `startServer` builds it.
 */
export async function openFuzzWorld(database: TestDatabase): Promise<FuzzWorld> {
  const ledger = await openTestLedger(database, {
    config: defineLedgerConfig({ signupGrants: { user: [], organization: [], guest: [] } }),
  });
  const meter = await Meter.open({
    ledger,
    pricing: definePricingConfig({ features: { summarize: { unit: "credits", costMinor: 3n } } }),
  });
  // Seeded keys are touched once before the checksum; a day-long interval keeps them from
  // being touched again while the fuzz runs, so the keys table stays byte-identical.
  const keys = await ApiKeys.open(ledger.sql, { lastUsedIntervalMs: 86_400_000 });
  const balanceEvents = new BalanceEvents(ledger.sql);
  const alice = await ledger.ensureAccount({ type: "user", externalId: "alice" });
  const bob = await ledger.ensureAccount({ type: "user", externalId: "bob" });
  await ledger.ensureAccount({ type: "organization", externalId: "acme" });
  await ledger.ensureAccount({ type: "guest", externalId: "visitor" });
  const fund = (account: string, amountMinor: bigint, key: string) =>
    ledger.grant({ account: { accountId: account }, amountMinor, source: "promo", idempotencyKey: key });
  await fund(alice.accountId, 100n, "seed-alice");
  await fund(bob.accountId, 10n, "seed-bob");
  await ledger.grant({
    account: { type: "organization", externalId: "acme" },
    amountMinor: 50n,
    source: "purchase",
    idempotencyKey: "seed-acme",
  });
  await ledger.addMember({ organization: "acme", member: "alice", capsMinor: { credits: 5n } });
  const hold = await ledger.authorize({
    account: { accountId: alice.accountId },
    amountMinor: 7n,
    idempotencyKey: "seed-hold",
  });
  const settled = await ledger.authorize({
    account: { accountId: alice.accountId },
    amountMinor: 2n,
    idempotencyKey: "seed-hold-2",
  });
  if (!hold.ok || !settled.ok) throw new Error("seeding holds failed");
  await ledger.settle({ holdId: settled.value.holdId, amountMinor: 1n, idempotencyKey: "seed-settle" });

  const revoked = await keys.create({ kind: "secret", name: "revoked" });
  await keys.revoke(revoked.key.keyId);
  const tokens: FuzzTokens = {
    secret: (await keys.create({ kind: "secret", name: "backend" })).token,
    alice: (await keys.create({ kind: "customer", accountId: alice.accountId })).token,
    bob: (await keys.create({ kind: "customer", accountId: bob.accountId })).token,
    revoked: revoked.token,
    expired: (
      await keys.create({
        kind: "secret",
        name: "expired",
        now: new Date(Date.now() - 60_000),
        expiresAt: new Date(Date.now() - 1_000),
      })
    ).token,
  };
  // The fuzz sends far faster than the default limits allow: a 429 would hide the answer under test.
  const serverErrors = new Map<string, string>();
  const logger = {
    info() {},
    warn() {},
    error(_message: string, fields: Record<string, unknown> = {}) {
      serverErrors.set(String(fields.requestId), String((fields.error as Error | undefined)?.stack ?? fields.error));
    },
  };
  const app = createApp({
    ledger,
    logger,
    meter,
    keys,
    balanceEvents,
    operations: { rateLimits: { secret: null, customer: null }, accessLog: false },
  });
  return {
    app,
    ledger,
    tokens,
    aliceId: alice.accountId,
    holdId: hold.value.holdId,
    settledHoldId: settled.value.holdId,
    serverErrors,
    async close() {
      await balanceEvents.close();
      await keys.close();
      await meter.close();
      await ledger.dispose();
    },
  };
}
