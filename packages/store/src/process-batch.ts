import {
  type BatchContext,
  emptyWrites,
  type IdGenerator,
  type LedgerConfig,
  type OperationResult,
  type PlanCatalog,
  type ResolvedOperation,
  type Unit,
} from "@tollgate/core";
import { applyBatchItems } from "./apply-batch-items.ts";
import type { NewAccountRef } from "./batch-new-account.ts";
import { batchReferences } from "./batch-references.ts";
import { type HttpKeyInBatch, HttpKeysInBatch } from "./http-key-in-batch.ts";
import { lockAndLoad } from "./load-batch-state.ts";
import { persistStatement } from "./persist-writes.ts";
import type { DefaultPlans } from "./plans/default-plans.ts";
import type { TransactionExecutor } from "./sql-client.ts";
import type { UsageEventDraft } from "./usage-events.ts";
import { batchEvents, snapshotBatch } from "./webhooks/batch-events.ts";

/**
 * One unit of work in a batch: an operation (with the usage event its charge pays for, if
 * any), a usage event charged nothing (a failed call), or bringing an account up to date.
 */
export type BatchItem =
  | {
      type: "operation";
      resolved: ResolvedOperation;
      requestHash: string;
      usageEvent?: UsageEventDraft;
      /** The account the operation names when it did not exist: opened by the batch if the operation succeeds. */
      newAccount?: NewAccountRef;
      /** The HTTP request's Idempotency-Key, claimed and answered in this transaction. */
      httpKey?: HttpKeyInBatch;
    }
  | {
      type: "usage";
      accountId: string | null;
      memberAccountId: string | null;
      idempotencyKey: string;
      requestHash: string;
      usageEvent: UsageEventDraft;
      newAccount?: NewAccountRef;
      httpKey?: HttpKeyInBatch;
    }
  | { type: "sweep"; accountId: string };

export interface BatchEnvironment {
  config: LedgerConfig;
  units: ReadonlyMap<string, Unit>;
  newId: IdGenerator;
  now: Date;
  /** The deployment's `balance.low` threshold per unit, for accounts without their own. */
  lowBalanceThresholdsDefault?: ReadonlyMap<string, bigint>;
  /** The plan a new account of each type is subscribed to when the batch opens it. */
  defaultPlans?: DefaultPlans;
  /** The deployment's plans, named by a refusal of a plan's access rule (`BatchContext.catalog`). */
  catalog?: PlanCatalog | undefined;
}

/**
 * Runs a batch inside one database transaction, a step per function: collect what the items
 * name; lock those accounts (in id order, so concurrent batches never deadlock) and load their
 * state, in one round trip; apply each item in order with the pure rules; derive the webhook
 * events; write every change in one statement, which travels with the commit when `commit` is
 * set. Results come back in item order; a sweep's result is null.
 */
export async function processBatch(
  tx: TransactionExecutor,
  env: BatchEnvironment,
  items: BatchItem[],
  options: {
    /** The writes go with the transaction's commit (one round trip); false leaves it open (a preview rolls it back). */
    commit: boolean;
  },
): Promise<Array<OperationResult | null>> {
  const ctx: BatchContext = {
    now: env.now,
    newId: env.newId,
    config: env.config,
    units: env.units,
    accounts: new Map(),
    priorTransactions: new Map(),
    writes: emptyWrites(),
    ...(env.catalog ? { catalog: env.catalog } : {}),
  };
  const loaded = await lockAndLoad(tx, ctx, batchReferences(items));
  // After the lock: a key another batch is claiming waits for it at the key's unique index.
  const httpKeys = await HttpKeysInBatch.claim(
    tx,
    items.flatMap((item) => (item.type !== "sweep" && item.httpKey ? [item.httpKey] : [])),
  );
  const before = snapshotBatch(ctx);
  const applied = applyBatchItems(ctx, env, items, { loaded, before, httpKeys });
  const webhookEvents = batchEvents(ctx, before, {
    account: loaded.lowBalanceThresholds,
    deploymentDefaults: env.lowBalanceThresholdsDefault ?? NO_THRESHOLDS,
  });
  const statement = persistStatement({
    accounts: applied.newAccounts,
    writes: ctx.writes,
    idempotency: applied.idempotency,
    usageEvents: applied.usageEvents,
    webhookEvents,
    httpKeys,
    now: env.now,
  });
  if (statement && options.commit) await tx.queryAndCommit(statement.text, statement.params);
  else if (statement) await tx.query(statement.text, statement.params);
  return applied.results;
}

const NO_THRESHOLDS: ReadonlyMap<string, bigint> = new Map();
