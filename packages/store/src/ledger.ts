import {
  type Account,
  type AccountRef,
  type AccountType,
  type BalanceAfter,
  type BalanceView,
  checkPlanDefinition,
  DEFAULT_LEDGER_CONFIG,
  type LedgerConfig,
  type Operation,
  type OperationKind,
  type OperationResult,
  type OutcomeByKind,
  type PlanCatalog,
  type PlanDefinition,
  type PlanVersion,
  type ResolvedOperation,
  type Result,
  type SubscriptionOutcome,
  type TransactionKind,
  type Unit,
} from "@tollgate/core";
import { AccountDirectory } from "./account-directory.ts";
import { BalanceCache, type BalanceCacheOptions } from "./balance-cache.ts";
import { BalanceViewMemo } from "./balance-view-memo.ts";
import { type NewAccountRef, newAccountKey } from "./batch-new-account.ts";
import { requestHash } from "./codec.ts";
import { CommitLane } from "./commit-lane.ts";
import { type HistoryPage, readHistory } from "./history.ts";
import type { HttpKeyInBatch } from "./http-key-in-batch.ts";
import { assertAppKey, RESERVED_KEY_PREFIX } from "./idempotency-keys.ts";
import { type JobBacklog, readJobBacklog } from "./job-backlog.ts";
import { type ActiveHoldsPage, listActiveHolds } from "./list-holds.ts";
import {
  type AddMemberInput,
  addMember,
  listMembers,
  type MemberView,
  type RemoveMemberOutcome,
  readMember,
  removeMember,
  updateMemberCaps,
} from "./members.ts";
import { migrate } from "./migrate.ts";
import { newId } from "./new-id.ts";
import { type DatabaseOptions, DEFAULT_SCHEMA, openDatabase } from "./open-database.ts";
import { type Overview, readOverview } from "./overview/overview.ts";
import { type DefaultPlans, defaultPlansOf } from "./plans/default-plans.ts";
import {
  type ListSubscriptionsOptions,
  listSubscriptions,
  type SubscriptionsPage,
} from "./plans/list-subscriptions.ts";
import { assertPlanCatalog } from "./plans/plan-catalog.ts";
import { planHash } from "./plans/plan-json.ts";
import { type PlanVersionCount, planVersionCounts } from "./plans/plan-version-counts.ts";
import { syncPlanVersions } from "./plans/plan-versions.ts";
import {
  dueSubscriptionAccounts,
  readPlanVersion,
  readSubscription,
  type SubscriptionRead,
  subscribersOffVersion,
} from "./plans/subscription-reads.ts";
import { type GrantPreview, previewGrants } from "./preview-grants.ts";
import { type BatchEnvironment, type BatchItem, processBatch } from "./process-batch.ts";
import { readBalanceState, viewBalances } from "./reads.ts";
import { type ReconcileReport, reconcile } from "./reconcile.ts";
import type { SqlClient } from "./sql-client.ts";
import { ensureUnits } from "./units.ts";
import type { UsageEventDraft } from "./usage-events.ts";

export interface LedgerOptions extends DatabaseOptions {
  config?: LedgerConfig;
  /**
   * Batches written at once, each on its own connection (PostgreSQL only; PGlite has one
   * connection). An account always maps to the same lane, so its operations stay in order.
   */
  lanes?: number;
  /** The most operations one database transaction carries. */
  batchSizeMax?: number;
  /**
   * The most operations waiting for a batch, all lanes together (each lane takes its share,
   * rounded up); one more is refused at once with `CommitLaneFull`, and has no effect. Default
   * `ledgerQueueMaxDefault(lanes, batchSizeMax)`. Settlements, releases, renewals and sweeps
   * are never refused: they end work already admitted.
   */
  queueMax?: number;
  /** The ledger's clock; tests move it to expire holds and lots. */
  clock?: () => Date;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /**
   * The `balance.low` webhook threshold per unit for accounts that set none (minor units;
   * none or 0: no such events). See docs/concepts/webhooks.md.
   */
  lowBalanceThresholdsDefault?: Readonly<Record<string, bigint>>;
  /**
   * Serve `getBalances` from memory (BalanceCache), kept current by this ledger's own
   * batches and the schema's `balances` notifications: on for `tollgate serve`, off by
   * default (a script that writes through another ledger in the same process would have to
   * wait for the notification). See docs/concepts/ledger.md, "Balance reads".
   */
  balanceCache?: BalanceCacheOptions | boolean;
}

/** A usage event that charges nothing (`recordUncharged`). */
export interface UnchargedInput {
  account: AccountRef;
  member?: string;
  idempotencyKey: string;
  usageEvent: UsageEventDraft;
  /** What the idempotency key stands for (see `execute`); the event itself when absent. */
  request?: Record<string, unknown> | string;
  /** The HTTP request's Idempotency-Key, answered in the same transaction (see `execute`). */
  httpKey?: HttpKeyInBatch;
}

type UnchargedResult = Result<BalanceAfter & { transactionId: null; amountMinor: bigint; usageEventId: string }>;

/** How `execute` runs an operation: with the usage event it pays for, what its key stands for, and the HTTP key it answers. */
export interface ExecuteOptions {
  usageEvent?: UsageEventDraft;
  request?: Record<string, unknown> | string;
  httpKey?: HttpKeyInBatch;
}

type BatchLane = CommitLane<BatchItem, OperationResult | null>;

/**
 * Eight full batches per lane waiting behind the one being written. A lane writes one batch at
 * a time and a batch carries at most `batchSizeMax`, so a longer queue adds latency and no
 * throughput; but a usage-events batch request queues up to 1,000 operations at once, and a few
 * such requests arriving together are ordinary ingestion, not overload (two batches per lane
 * refused the fourth of four concurrent 1,000-event requests). With eight, the last operation
 * in line waits for at most nine transactions, tens of milliseconds, and memory stays bounded.
 *
 * @example
 * ledgerQueueMaxDefault(2, 512) // 8192
 */
export function ledgerQueueMaxDefault(lanes: number, batchSizeMax: number): number {
  return 8 * lanes * batchSizeMax;
}

/**
 * Operations that end work already admitted (a hold's settlement or release, a period's
 * renewal): refusing one when the lanes are full would strand what was begun (a hold left to
 * expire, a call unpaid), so they queue whatever the length, bounded by the work they end.
 */
const ADMITTED_ALWAYS: ReadonlySet<OperationKind> = new Set(["settle", "release", "renew"]);

type OperationInput<K extends OperationKind> = Omit<Extract<Operation, { kind: K }>, "kind">;

/**
 * A plan operation's input: the plan's definition, whose stored version the ledger finds (or
 * makes) by its hash, so an operation never names a version that does not hold that definition.
 */
type PlanInput<K extends "subscribe" | "change_plan"> = Omit<OperationInput<K>, "planVersion">;

/** The most subscriptions one `renewDue` or `migrateSubscribers` call takes (a limit on everything). */
export const SUBSCRIPTIONS_PER_CALL_MAX = 10_000;

/**
 * The credits ledger: the library API the server, the CLI, the tests and the benchmarks use.
 *
 * @example
 * const ledger = await Ledger.open({ dataDir: "./.tollgate" });
 * await ledger.grant({ account: { type: "user", externalId: "u1" }, amountMinor: 100n, source: "promo", idempotencyKey: "promo-u1" });
 * const hold = await ledger.authorize({ account: { type: "user", externalId: "u1" }, amountMinor: 30n, idempotencyKey: "call-1" });
 * if (hold.ok) await ledger.settle({ holdId: hold.value.holdId, amountMinor: 12n, idempotencyKey: "call-1-settle" });
 */
export class Ledger {
  readonly #lanes: BatchLane[];
  readonly #holdAccounts = new Map<string, string>();
  /** Stored plan versions by definition hash: a definition is looked up once per process. */
  readonly #planVersions = new Map<string, number>();
  readonly #balanceCache: BalanceCache | null;
  /** The views of the cached states, reused until a state or an expiry changes them. */
  readonly #balanceViews = new BalanceViewMemo();
  /**
   * Per account type, the plan a new account is subscribed to: set by `syncPlanCatalog`, one map
   * shared with the batches and the account directory, so a new catalog reaches both at once.
   */
  readonly #defaultPlans = new Map<AccountType, PlanVersion>();
  /** What a batch runs with: the configuration, the units, ids, and now. */
  readonly #env: () => BatchEnvironment;
  readonly accounts: AccountDirectory;
  /** The deployment's `balance.low` threshold per unit, for accounts without their own. */
  readonly lowBalanceThresholdsDefault: ReadonlyMap<string, bigint>;
  /**
   * The deployment's plans, set by `syncPlanCatalog`, so a spend an account's plan refuses
   * (`model_not_in_plan`, `feature_not_in_plan`) names the plans that would allow it. What is
   * refused is decided by the account's own plan version, with or without it.
   */
  #catalog: PlanCatalog | undefined;

  private constructor(
    readonly sql: SqlClient,
    readonly config: LedgerConfig,
    readonly units: ReadonlyMap<string, Unit>,
    readonly schema: string,
    private readonly clock: () => Date,
    options: {
      lanes: number;
      batchSizeMax: number;
      queueMax: number;
      lowBalanceThresholdsDefault: ReadonlyMap<string, bigint>;
      balanceCache: BalanceCacheOptions | null;
    },
  ) {
    const { lowBalanceThresholdsDefault } = options;
    this.lowBalanceThresholdsDefault = lowBalanceThresholdsDefault;
    const cache = options.balanceCache && new BalanceCache(sql, options.balanceCache);
    this.#balanceCache = cache;
    const defaultPlans = this.#defaultPlans;
    const env = () => ({
      config,
      units,
      newId,
      now: clock(),
      lowBalanceThresholdsDefault,
      defaultPlans,
      catalog: this.#catalog,
    });
    this.#env = env;
    const runBatch = async (items: BatchItem[]) => {
      try {
        return await sql.transaction((tx) => processBatch(tx, env(), items, { commit: true }));
      } finally {
        // Before any caller of the batch gets its result: a read after a write sees the write.
        cache?.evict(accountIdsOf(items));
      }
    };
    const laneQueueMax = Math.ceil(options.queueMax / options.lanes);
    this.#lanes = Array.from(
      { length: options.lanes },
      () => new CommitLane(runBatch, options.batchSizeMax, { queueMax: laneQueueMax }),
    );
    this.accounts = new AccountDirectory(sql, { config, units, newId, clock, defaultPlans });
  }

  static async open(options: LedgerOptions = {}): Promise<Ledger> {
    const schema = options.schema ?? DEFAULT_SCHEMA;
    // Two lanes: on a 2-core host they commit as much as four at a third less PostgreSQL CPU per
    // operation (bigger batches), and one lane waiting on another instance's lock stalls only half
    // the writes. See docs/operating/benchmarks.md.
    const lanes = options.databaseUrl ? (options.lanes ?? 2) : 1;
    const sql = await openDatabase({ ...options, schema, poolSize: options.poolSize ?? lanes + 6 });
    try {
      if (options.migrate ?? true) await migrate(sql, schema);
      const config = options.config ?? DEFAULT_LEDGER_CONFIG;
      const units = await ensureUnits(sql, config.units);
      const batchSizeMax = options.batchSizeMax ?? 512;
      return new Ledger(sql, config, units, schema, options.clock ?? (() => new Date()), {
        lanes,
        batchSizeMax,
        queueMax: options.queueMax ?? ledgerQueueMaxDefault(lanes, batchSizeMax),
        lowBalanceThresholdsDefault: thresholdsOf(options.lowBalanceThresholdsDefault ?? {}, units),
        balanceCache: options.balanceCache ? (options.balanceCache === true ? {} : options.balanceCache) : null,
      });
    } catch (error) {
      await sql.close();
      throw error;
    }
  }

  /**
   * Applies any operation; the typed helpers below are shorthands for it. A charge or a
   * settlement may carry the usage event it pays for: the event is written in the same
   * transaction and its id comes back as `usageEventId`. The idempotency key stands for
   * `request` when given (the caller's own input, so a retry after a price change replays
   * instead of conflicting), else for the operation and its usage event. With `httpKey`, the
   * HTTP request's Idempotency-Key is claimed and its answer stored in the operation's own
   * transaction (see `HttpKeyInBatch`): read `httpKey.outcome` before the result.
   */
  async execute<K extends OperationKind>(
    op: Extract<Operation, { kind: K }>,
    options: ExecuteOptions = {},
  ): Promise<Result<OutcomeByKind[K]>> {
    assertAppKey(op.idempotencyKey);
    return this.#submit(op, options);
  }

  /** `execute` without the check that the key is the app's: Tollgate's own operations use reserved keys. */
  async #submit<K extends OperationKind>(
    op: Extract<Operation, { kind: K }>,
    options: ExecuteOptions = {},
  ): Promise<Result<OutcomeByKind[K]>> {
    const item = await this.#operationItem(op, options);
    const lane = this.#laneFor(laneKeyOf(item.resolved.accountId, item.newAccount, op.idempotencyKey));
    const result = await lane.submit(item, ADMITTED_ALWAYS.has(op.kind) ? "always" : "bounded");
    if (!result) throw new Error("an operation returned no result");
    this.#learnFrom(item, result);
    return result as Result<OutcomeByKind[K]>;
  }

  async #operationItem(op: Operation, options: ExecuteOptions): Promise<Extract<BatchItem, { type: "operation" }>> {
    const { resolved, newAccount } = await this.#resolve(op);
    const { usageEvent, httpKey } = options;
    return {
      type: "operation",
      resolved,
      ...(newAccount ? { newAccount } : {}),
      ...(httpKey ? { httpKey } : {}),
      requestHash: requestHash(
        options.request ?? ({ ...op, ...(usageEvent ? { usageEvent } : {}) } as unknown as Record<string, unknown>),
      ),
      ...(usageEvent ? { usageEvent } : {}),
    };
  }

  /** Operations waiting for a batch in every lane (not those being written): what `queueMax` bounds. */
  get pendingOperations(): number {
    return this.#lanes.reduce((total, lane) => total + lane.pending, 0);
  }

  /** Operations in the batches being written now, in every lane. */
  get writingOperations(): number {
    return this.#lanes.reduce((total, lane) => total + lane.writing, 0);
  }

  grant(input: OperationInput<"grant">, options: ExecuteOptions = {}) {
    return this.execute({ kind: "grant", ...input }, options);
  }
  authorize(input: OperationInput<"authorize">, options: ExecuteOptions = {}) {
    return this.execute({ kind: "authorize", ...input }, options);
  }
  settle(input: OperationInput<"settle">, options: ExecuteOptions = {}) {
    return this.execute({ kind: "settle", ...input }, options);
  }
  release(input: OperationInput<"release">, options: ExecuteOptions = {}) {
    return this.execute({ kind: "release", ...input }, options);
  }
  charge(input: OperationInput<"charge">, options: ExecuteOptions = {}) {
    return this.execute({ kind: "charge", ...input }, options);
  }
  deduct(input: OperationInput<"deduct">, options: ExecuteOptions = {}) {
    return this.execute({ kind: "deduct", ...input }, options);
  }
  refund(input: OperationInput<"refund">, options: ExecuteOptions = {}) {
    return this.execute({ kind: "refund", ...input }, options);
  }
  reverse(input: OperationInput<"reverse">, options: ExecuteOptions = {}) {
    return this.execute({ kind: "reverse", ...input }, options);
  }
  /**
   * Takes back up to `amountMinor` of a grant's lot, never more than it has free: see
   * `ClawBackOperation`. A Stripe refund of a pack uses it.
   *
   * @example
   * await ledger.clawBack({ transactionId: grantId, amountMinor: 40n, reason: "refund", idempotencyKey: "stripe_refund_…" });
   */
  clawBack(input: OperationInput<"claw_back">) {
    return this.execute({ kind: "claw_back", ...input });
  }

  /**
   * Subscribes the account to `plan` (its stored version is found, or made, by its definition's
   * hash), granting the current period's allocation now. See docs/concepts/plans.md.
   *
   * @example
   * await ledger.subscribe({ account: { type: "user", externalId: "u1" }, plan: pro, idempotencyKey: "signup-u1-pro" });
   */
  async subscribe(input: PlanInput<"subscribe">): Promise<Result<SubscriptionOutcome>> {
    assertAppKey(input.idempotencyKey);
    const refused = checkPlanDefinition(input.plan, { units: this.units, now: this.clock() });
    if (refused) return refused;
    const planVersion = await this.#planVersionOf(input.plan);
    return this.execute({ kind: "subscribe", ...input, planVersion });
  }

  /**
   * Moves the account's subscription to `plan`: an upgrade now, with the difference granted for
   * the current period; a downgrade as the current plan's `downgrade` timing says.
   *
   * @example
   * await ledger.changePlan({ account: user, plan: team, idempotencyKey: "upgrade-u1-team" });
   */
  async changePlan(input: PlanInput<"change_plan">): Promise<Result<SubscriptionOutcome>> {
    assertAppKey(input.idempotencyKey);
    const refused = checkPlanDefinition(input.plan, { units: this.units, now: this.clock() });
    if (refused) return refused;
    const planVersion = await this.#planVersionOf(input.plan);
    return this.execute({ kind: "change_plan", ...input, planVersion });
  }

  /** Cancels the account's subscription, now or at its period's end as its plan says. */
  cancelSubscription(input: OperationInput<"cancel_subscription">) {
    return this.execute({ kind: "cancel_subscription", ...input });
  }

  /**
   * Sets the subscription's status from billing: `past_due` keeps its credits and stops renewal,
   * `active` again grants the current period if it was not granted (once: the period's key),
   * `canceled` ends it (terminal: `invalid_status_transition` afterwards). See docs/concepts/plans.md.
   *
   * @example
   * await ledger.setSubscriptionStatus({ account: user, status: "past_due", idempotencyKey: "stripe_evt_1" });
   */
  setSubscriptionStatus(input: OperationInput<"set_subscription_status">) {
    return this.execute({ kind: "set_subscription_status", ...input });
  }

  /** Renews the account's subscription up to now (any operation on the account does so too). */
  renew(input: OperationInput<"renew">) {
    return this.execute({ kind: "renew", ...input });
  }

  /** The account's subscription (canceled ones included), or null: no such account, or never subscribed. */
  async getSubscription(ref: AccountRef): Promise<SubscriptionRead | null> {
    const accountId = await this.accounts.findId(ref);
    return accountId ? readSubscription(this.sql, accountId) : null;
  }

  /**
   * Subscriptions across accounts, a page at a time in account id order, by plan and status.
   *
   * @example
   * const page = await ledger.listSubscriptions({ planId: "pro", status: "active" }); // page.nextCursor
   */
  listSubscriptions(options: ListSubscriptionsOptions = {}): Promise<SubscriptionsPage> {
    return listSubscriptions(this.sql, options);
  }

  /**
   * Stores each plan definition as a version of its plan unless already stored, and returns
   * the current version per plan id: what new subscribers get. Subscribers keep the version they
   * have (grandfathering) until `migrateSubscribers` moves them.
   *
   * @example
   * const versions = await ledger.syncPlanVersions(catalog.plans); // versions.get("pro")?.planVersion
   */
  async syncPlanVersions(plans: readonly PlanDefinition[]): Promise<Map<string, PlanVersion>> {
    const versions = await syncPlanVersions(this.sql, plans);
    for (const version of versions.values()) this.#rememberPlanVersion(version);
    return versions;
  }

  /**
   * Takes the deployment's plan catalog: checks every plan and default plan (a RangeError names
   * the first problem: a plan the ledger cannot honour, a default plan that is not defined, a
   * priced plan as the guests' default), stores each plan's definition as a version unless
   * already stored, and from then on subscribes each new account of a type with a default plan
   * to it, in the transaction that opens the account. Returns the current version per plan id.
   * What the server and every CLI command run at start, with the configuration's plans.
   *
   * @example
   * await ledger.syncPlanCatalog({ plans: [free, pro], packs: [], defaultPlans: { user: "free" } });
   */
  async syncPlanCatalog(catalog: PlanCatalog): Promise<Map<string, PlanVersion>> {
    assertPlanCatalog(catalog, { units: this.units, now: this.clock() });
    const versions = await this.syncPlanVersions(catalog.plans);
    const defaults = defaultPlansOf(catalog, versions);
    this.#catalog = catalog;
    this.#defaultPlans.clear();
    for (const [type, version] of defaults) this.#defaultPlans.set(type, version);
    return versions;
  }

  /**
   * The stored versions of a plan, oldest first, with how many live subscriptions each has.
   *
   * @example
   * await ledger.planVersions("pro"); // [{ version: 1, subscribers: 12, createdAt }, …]
   */
  planVersions(planId: string): Promise<PlanVersionCount[]> {
    return planVersionCounts(this.sql, planId);
  }

  /**
   * The stored version of this exact definition, stored now if it is new: a plan the catalog
   * synced at start is answered from memory.
   *
   * @example
   * await ledger.planVersionOf(pro); // 3
   */
  planVersionOf(plan: PlanDefinition): Promise<number> {
    return this.#planVersionOf(plan);
  }

  /** The deployment's plans as `syncPlanCatalog` last took them; undefined before. */
  get catalog(): PlanCatalog | undefined {
    return this.#catalog;
  }

  /** Per account type, the plan version a new account is subscribed to (see `syncPlanCatalog`). */
  get defaultPlans(): DefaultPlans {
    return this.#defaultPlans;
  }

  /**
   * Renews active subscriptions whose period has ended, at most `limit` (default 1000) per call,
   * soonest first: what the background job runs. The due accounts are read without a lock and
   * each is brought up to date by a sweep through its lane, which locks the account as every
   * operation does; so any number of instances may run this at once (`FOR UPDATE SKIP LOCKED`
   * would only hold row locks across the lane's own lock): a second sweep of an account finds its
   * period already advanced and grants nothing. A sweep needs no idempotency key, so renewals
   * leave no key rows behind. Returns how many accounts were swept.
   *
   * @example
   * setInterval(() => ledger.renewDue({ limit: 1000 }), 60_000);
   */
  async renewDue(options: { limit?: number } = {}): Promise<{ accounts: number }> {
    const limit = boundedLimit(options.limit ?? 1000);
    const accountIds = await dueSubscriptionAccounts(this.sql, { now: this.clock(), limit });
    await Promise.all(
      accountIds.map((accountId) => this.#laneFor(accountId).submit({ type: "sweep", accountId }, "always")),
    );
    return { accounts: accountIds.length };
  }

  /**
   * Moves the subscribers of `planId` on other versions to `toVersion` (the latest by default),
   * at most `limit` per call, each by a `change_plan` under a reserved key per plan version: a
   * new version that lowers an allocation takes effect at period end when the plan says so, and
   * running this twice moves nobody twice. Returns who moved and who was refused, with the code.
   */
  async migrateSubscribers(options: { planId: string; toVersion?: number; limit?: number }): Promise<{
    toVersion: number;
    moved: number;
    refused: Array<{ accountId: string; code: string }>;
  }> {
    const target = await readPlanVersion(this.sql, options.planId, options.toVersion);
    if (!target) throw new RangeError(`plan "${options.planId}" has no version ${options.toVersion ?? "stored"}`);
    const accountIds = await subscribersOffVersion(this.sql, {
      planId: options.planId,
      version: target.planVersion,
      limit: boundedLimit(options.limit ?? 1000),
    });
    const results = await Promise.all(
      accountIds.map((accountId) =>
        this.#submit({
          kind: "change_plan",
          account: { accountId },
          plan: target.plan,
          planVersion: target.planVersion,
          idempotencyKey: `${RESERVED_KEY_PREFIX}migrate:${target.planId}:v${target.planVersion}`,
        }),
      ),
    );
    const refused = results.flatMap((result, index) =>
      result.ok ? [] : [{ accountId: accountIds[index] as string, code: result.code }],
    );
    return { toVersion: target.planVersion, moved: accountIds.length - refused.length, refused };
  }

  /**
   * What these grants would do, in order, without doing it: each one's outcome (a replay of
   * an earlier grant under its key, or a refusal), whether its account exists, and the
   * balance it finds. Nothing is written: accounts that do not exist are created and the
   * grants applied in a transaction that is rolled back (see `previewGrants`).
   *
   * @example
   * const [preview] = await ledger.previewGrants([{ account: user, amountMinor: 40n, source: "admin", reason: "import", idempotencyKey: "import:1" }]);
   * // preview.accountExists, preview.balanceBeforeMinor, preview.result
   */
  async previewGrants(inputs: ReadonlyArray<OperationInput<"grant">>): Promise<GrantPreview[]> {
    for (const input of inputs) assertAppKey(input.idempotencyKey);
    // Built as `grant` builds it, so each hashes as the real operation would.
    const ops = inputs.map((input) => ({ kind: "grant" as const, ...input }));
    return previewGrants(this.sql, this.#env(), ops);
  }

  /**
   * Records a usage event that charges nothing (a failed call, or one that cost nothing),
   * idempotent under `idempotencyKey` like every write. The account is created on first use,
   * in the same transaction, and only if the event is recorded.
   */
  async recordUncharged(input: UnchargedInput): Promise<UnchargedResult> {
    const item = await this.#unchargedItem(input);
    const result = await this.#laneFor(laneKeyOf(item.accountId, item.newAccount, input.idempotencyKey)).submit(item);
    if (!result) throw new Error("a usage event returned no result");
    this.#learnFrom(item, result);
    return result as never;
  }

  /**
   * Applies many operations (and uncharged usage events) as one submission: every item is
   * resolved, then queued on its lane at once, so a request's items go in as few transactions
   * as the batch size allows. Each keeps its own result (in order) and its own idempotency key.
   *
   * @example
   * const [first, second] = await ledger.executeMany([{ op: chargeOne }, { uncharged: failedCall }]);
   */
  async executeMany(
    entries: ReadonlyArray<{ op: Operation; options?: ExecuteOptions } | { uncharged: UnchargedInput }>,
  ): Promise<OperationResult[]> {
    const items = await Promise.all(
      entries.map((entry) => {
        if ("uncharged" in entry) return this.#unchargedItem(entry.uncharged);
        assertAppKey(entry.op.idempotencyKey);
        return this.#operationItem(entry.op, entry.options ?? {});
      }),
    );
    const byLane = new Map<BatchLane, number[]>();
    items.forEach((item, index) => {
      const lane = this.#laneFor(laneKeyOf(accountIdOf(item), item.newAccount, keyOf(item)));
      byLane.set(lane, [...(byLane.get(lane) ?? []), index]);
    });
    const results: OperationResult[] = new Array(items.length);
    await Promise.all(
      [...byLane].map(async ([lane, indexes]) => {
        const outcomes = await lane.submitMany(indexes.map((index) => items[index] as BatchItem));
        indexes.forEach((index, position) => {
          const result = outcomes[position];
          if (!result) throw new Error("an operation returned no result");
          this.#learnFrom(items[index] as BatchItem, result);
          results[index] = result;
        });
      }),
    );
    return results;
  }

  async #unchargedItem(input: UnchargedInput): Promise<Extract<BatchItem, { type: "usage" }>> {
    assertAppKey(input.idempotencyKey);
    const accountId = await this.accounts.findId(input.account);
    const newAccount = accountId === null && "type" in input.account ? input.account : undefined;
    const memberAccountId =
      input.member === undefined ? null : await this.accounts.findId({ type: "user", externalId: input.member });
    return {
      type: "usage",
      accountId,
      memberAccountId,
      ...(newAccount ? { newAccount } : {}),
      idempotencyKey: input.idempotencyKey,
      requestHash: requestHash(
        input.request ?? { uncharged: input.usageEvent, account: input.account, member: input.member },
      ),
      usageEvent: input.usageEvent,
      ...(input.httpKey ? { httpKey: input.httpKey } : {}),
    };
  }

  /** What the caches learn from an item's result: the account it opened, the hold it placed. */
  #learnFrom(item: BatchItem, result: OperationResult | null): void {
    if (!result?.ok || item.type === "sweep") return;
    const value = result.value as { accountId?: string; holdId?: string };
    if (item.newAccount && value.accountId) this.accounts.learn(item.newAccount, value.accountId);
    if (item.type === "operation" && item.resolved.op.kind === "authorize" && value.holdId && value.accountId) {
      this.#rememberHold(value.holdId, value.accountId);
    }
  }

  /**
   * The account's active holds not yet expired, oldest first, a page at a time (cursor: the
   * last hold id); null when the account does not exist.
   *
   * @example
   * const page = await ledger.listActiveHolds({ accountId }, { limit: 20 }); // page?.holds[0]?.amountMinor
   */
  async listActiveHolds(
    ref: AccountRef,
    options: { limit?: number; after?: string | null } = {},
  ): Promise<ActiveHoldsPage | null> {
    const accountId = await this.accounts.findId(ref);
    return accountId ? listActiveHolds(this.sql, { ...options, accountId, now: this.clock() }) : null;
  }

  /** A hold's account, unit and status; null when there is no such hold. */
  async findHold(holdId: string): Promise<{ holdId: string; accountId: string; unit: string; status: string } | null> {
    const [row] = await this.sql.query<{ account_id: string; unit: string; status: string }>(
      "select account_id, unit, status from holds where hold_id = $1",
      [holdId],
    );
    return row ? { holdId, accountId: row.account_id, unit: row.unit, status: row.status } : null;
  }

  /**
   * A transaction's account, kind, unit and amount; null when there is no such transaction.
   * What a refund's caller needs before it can read an amount in the transaction's unit.
   */
  async findTransaction(transactionId: string): Promise<{
    transactionId: string;
    accountId: string;
    kind: TransactionKind;
    unit: string;
    amountMinor: bigint;
  } | null> {
    const [row] = await this.sql.query<{
      account_id: string;
      kind: TransactionKind;
      unit: string;
      amount_minor: bigint;
    }>("select account_id, kind, unit, amount_minor from transactions where transaction_id = $1", [transactionId]);
    return row
      ? { transactionId, accountId: row.account_id, kind: row.kind, unit: row.unit, amountMinor: row.amount_minor }
      : null;
  }

  /** The ledger's clock: what every operation takes as now. */
  now(): Date {
    return this.clock();
  }

  /** Creates the account on first use, with the deployment's signup grant. */
  ensureAccount(ref: { type: AccountType; externalId: string }): Promise<Account> {
    return this.accounts.ensure(ref);
  }

  /** Lets a user draw from an organization's balance, with optional caps per unit. */
  addMember(input: AddMemberInput) {
    return addMember(this.sql, this.accounts, this.units, input);
  }

  /**
   * An organization's members, a page at a time (cursor: the last member account id), each
   * with its caps and what it has spent and holds against them.
   */
  listMembers(options: { organizationAccountId: string; limit?: number; after?: string | null }) {
    return listMembers(this.sql, options);
  }

  /** One member of an organization, with its caps and what it drew; null when the user is not its member. */
  findMember(ids: { organizationAccountId: string; memberAccountId: string }): Promise<MemberView | null> {
    return readMember(this.sql, ids.organizationAccountId, ids.memberAccountId);
  }

  /**
   * Changes a member's caps per unit (null: no cap; units not named keep theirs). The next
   * charge is checked against them. Null when the user is not the organization's member.
   */
  async updateMember(input: {
    organizationAccountId: string;
    member: string;
    capsMinor: Record<string, bigint | null>;
  }): Promise<MemberView | null> {
    const memberAccountId = await this.accounts.findId({ type: "user", externalId: input.member });
    if (!memberAccountId) return null;
    return updateMemberCaps(this.sql, this.units, { ...input, memberAccountId });
  }

  /**
   * Takes a user out of an organization; its later draws are refused `member_not_found`.
   * Refused while the member has an active hold (see `removeMember` in members.ts).
   */
  async removeMember(input: { organizationAccountId: string; member: string }): Promise<RemoveMemberOutcome> {
    const memberAccountId = await this.accounts.findId({ type: "user", externalId: input.member });
    if (!memberAccountId) return { removed: false, reason: "not_a_member" };
    // Releases the holds that expired but were not swept yet, through the organization's own
    // lane, so only a hold that is still live keeps the member in.
    await this.#laneFor(input.organizationAccountId).submit(
      { type: "sweep", accountId: input.organizationAccountId },
      "always",
    );
    return removeMember(this.sql, { organizationAccountId: input.organizationAccountId, memberAccountId });
  }

  /** How far a settlement may overrun the account's available balance (default 0). */
  async setOverdraftLimit(ref: AccountRef, limitMinor: bigint): Promise<boolean> {
    if (typeof limitMinor !== "bigint" || limitMinor < 0n)
      throw new RangeError("an overdraft limit is a non-negative bigint");
    const accountId = await this.accounts.findId(ref);
    if (!accountId) return false;
    const rows = await this.sql.query(
      "update accounts set overdraft_limit_minor = $2 where account_id = $1 and type <> 'system' returning 1",
      [accountId, limitMinor.toString()],
    );
    return rows.length === 1;
  }

  /**
   * Balances per unit (or one unit) as of now; null if the account does not exist. `fresh`
   * reads the database even with the balance cache on: what a reader woken by a `balances`
   * notification needs, since its own notification may arrive before the cache's. From the
   * cache, the same frozen array comes back for as long as it stays true (BalanceViewMemo).
   */
  async getBalances(
    ref: AccountRef,
    options: { unit?: string; fresh?: boolean } = {},
  ): Promise<readonly BalanceView[] | null> {
    // The id alone (cached once seen): the read itself says whether the account exists.
    const accountId = await this.accounts.findId(ref);
    if (!accountId) return null;
    const cache = options.fresh ? null : this.#balanceCache;
    const state = cache
      ? await cache.read(accountId, () => readBalanceState(this.sql, accountId))
      : await readBalanceState(this.sql, accountId, options);
    if (!state) return null;
    const views = cache
      ? this.#balanceViews.viewsOf(state, this.clock(), options.unit)
      : viewBalances(state, this.clock(), options.unit);
    if (options.unit && views.length === 0 && this.units.has(options.unit)) {
      return [{ unit: options.unit, balanceMinor: 0n, heldMinor: 0n, availableMinor: 0n, debtMinor: 0n, lots: [] }];
    }
    return views;
  }

  async history(
    ref: AccountRef,
    options: { unit?: string; limit?: number; before?: string | null } = {},
  ): Promise<HistoryPage | null> {
    const account = await this.accounts.find(ref);
    return account ? readHistory(this.sql, account.accountId, options) : null;
  }

  /**
   * Brings accounts with expired holds or lots up to date, a bounded number per call, through
   * the same lanes as every operation. Safe on any number of instances: each account is
   * swept under its row lock, and a second sweep finds nothing left to do.
   */
  async sweepExpired(options: { accountsMax?: number } = {}): Promise<{ accounts: number }> {
    const now = this.clock().toISOString();
    const rows = await this.sql.query<{ account_id: string }>(
      `select account_id from (
         select account_id from holds where status = 'active' and expires_at <= $1
         union
         select account_id from lots where live and expires_at <= $1 and remaining_minor > held_minor
       ) due limit $2`,
      [now, options.accountsMax ?? 1000],
    );
    await Promise.all(
      rows.map((row) => this.#laneFor(row.account_id).submit({ type: "sweep", accountId: row.account_id }, "always")),
    );
    return { accounts: rows.length };
  }

  /**
   * What the background jobs have yet to do now (due renewals, holds and lots past expiry,
   * pending webhook deliveries), read from the database: the same on every instance.
   *
   * @example
   * const { renewalsDue } = await ledger.jobBacklog();
   */
  jobBacklog(): Promise<JobBacklog> {
    return readJobBacklog(this.sql, this.clock());
  }

  /**
   * The deployment at a glance, at the ledger's clock: balances and active holds per unit,
   * usage today (in `timeZone`, default UTC) and over 30 days, and failing webhooks.
   *
   * @example
   * const { outstanding, today } = await ledger.overview({ timeZone: "Europe/Paris" });
   */
  overview(options: { timeZone?: string } = {}): Promise<Overview> {
    return readOverview(this.sql, { now: this.clock(), ...options });
  }

  /** Recomputes every balance from entries and lots and checks every invariant. */
  reconcile(): Promise<ReconcileReport> {
    return reconcile(this.sql, { now: this.clock() });
  }

  async close(): Promise<void> {
    await this.#balanceCache?.close();
    await this.sql.close();
  }

  /**
   * The operation's references, looked up and never created: an account named by the app's id
   * that does not exist comes back as `newAccount`, for the batch to open in the operation's own
   * transaction if, and only if, the operation succeeds.
   */
  async #resolve(op: Operation): Promise<{ resolved: ResolvedOperation; newAccount?: NewAccountRef }> {
    switch (op.kind) {
      case "grant":
      case "authorize":
      case "charge":
      case "deduct":
      case "subscribe":
      case "change_plan":
      case "cancel_subscription":
      case "set_subscription_status":
      case "renew": {
        const accountId = await this.accounts.findId(op.account);
        const member = "member" in op ? op.member : undefined;
        const memberAccountId =
          member === undefined ? null : await this.accounts.findId({ type: "user", externalId: member });
        const resolved = { op, accountId, memberAccountId };
        return accountId === null && "type" in op.account ? { resolved, newAccount: op.account } : { resolved };
      }
      case "settle":
      case "release":
        return { resolved: { op, accountId: await this.#holdAccount(op.holdId), memberAccountId: null } };
      case "refund":
      case "reverse":
      case "claw_back": {
        const [row] = await this.sql.query<{ account_id: string }>(
          "select account_id from transactions where transaction_id = $1",
          [op.transactionId],
        );
        return { resolved: { op, accountId: row?.account_id ?? null, memberAccountId: null } };
      }
    }
  }

  async #holdAccount(holdId: string): Promise<string | null> {
    const cached = this.#holdAccounts.get(holdId);
    if (cached) return cached;
    const [row] = await this.sql.query<{ account_id: string }>("select account_id from holds where hold_id = $1", [
      holdId,
    ]);
    return row?.account_id ?? null;
  }

  async #planVersionOf(plan: PlanDefinition): Promise<number> {
    const known = this.#planVersions.get(planHash(plan));
    if (known !== undefined) return known;
    const version = (await this.syncPlanVersions([plan])).get(plan.id);
    if (!version) throw new Error(`plan "${plan.id}" was not stored`);
    return version.planVersion;
  }

  #rememberPlanVersion(version: PlanVersion): void {
    if (this.#planVersions.size >= 10_000) this.#planVersions.clear();
    this.#planVersions.set(planHash(version.plan), version.planVersion);
  }

  #rememberHold(holdId: string, accountId: string): void {
    if (this.#holdAccounts.size >= 100_000) this.#holdAccounts.clear();
    this.#holdAccounts.set(holdId, accountId);
  }

  #laneFor(key: string) {
    let hash = 2166136261;
    for (let index = 0; index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 16777619);
    return this.#lanes[(hash >>> 0) % this.#lanes.length] as BatchLane;
  }
}

/**
 * What picks an item's lane: its account, or for an account that does not exist yet the app's
 * id for it, so every item that may open the same account goes through one lane, in order.
 */
function laneKeyOf(accountId: string | null, newAccount: NewAccountRef | undefined, fallback: string): string {
  return accountId ?? (newAccount ? newAccountKey(newAccount) : fallback);
}

function accountIdOf(item: Extract<BatchItem, { type: "operation" | "usage" }>): string | null {
  return item.type === "operation" ? item.resolved.accountId : item.accountId;
}

function keyOf(item: Extract<BatchItem, { type: "operation" | "usage" }>): string {
  return item.type === "operation" ? item.resolved.op.idempotencyKey : item.idempotencyKey;
}

/** Every account a batch may change: its operations', usage events' and sweeps'. */
function accountIdsOf(items: readonly BatchItem[]): string[] {
  const ids: string[] = [];
  for (const item of items) {
    const accountId = item.type === "operation" ? item.resolved.accountId : item.accountId;
    if (accountId !== null) ids.push(accountId);
  }
  return ids;
}

/** A per-call limit, checked: an integer from 1 to SUBSCRIPTIONS_PER_CALL_MAX. */
function boundedLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > SUBSCRIPTIONS_PER_CALL_MAX) {
    throw new RangeError(`limit must be an integer from 1 to ${SUBSCRIPTIONS_PER_CALL_MAX}`);
  }
  return limit;
}

/** The deployment's default thresholds, each for a unit the ledger has, never negative. */
function thresholdsOf(byUnit: Readonly<Record<string, bigint>>, units: ReadonlyMap<string, Unit>) {
  const thresholds = new Map<string, bigint>();
  for (const [unit, minor] of Object.entries(byUnit)) {
    if (!units.has(unit)) throw new RangeError(`a low-balance threshold names "${unit}", which is not a unit`);
    if (typeof minor !== "bigint" || minor < 0n)
      throw new RangeError("a low-balance threshold is a non-negative bigint");
    thresholds.set(unit, minor);
  }
  return thresholds;
}
