import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  AMOUNT_MINOR_MAX,
  type BalanceView,
  defineLedgerConfig,
  GRANT_SOURCES,
  type GrantSource,
  type Operation,
  type OperationResult,
  PAID_FIRST,
} from "@tollgate/core";
import { reconcile } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import fc from "fast-check";
import { type ModelOp, type ModelResult, ReferenceLedger } from "./reference-model.ts";

/**
 * Model-based property test: fast-check generates short sequences of ledger operations over a
 * few accounts and runs each on the real `Ledger` (PGlite, and PostgreSQL when reachable) and
 * on test/reference-model.ts, comparing every result and every account's balances and lots
 * after every step, then `reconcile` over everything written.
 *
 * Seed policy: every run draws a fresh seed, so each CI run explores new sequences; the seed
 * is in the test's name, and on failure fast-check prints it with the replay path and the
 * shrunk counterexample. To replay: TOLLGATE_PROPERTY_SEED=<seed> (the same sequences), plus
 * TOLLGATE_PROPERTY_PATH=<path> to run only the counterexample, and
 * TOLLGATE_PROPERTY_DATABASES=pglite|postgres to run on one database only.
 * TOLLGATE_PROPERTY_RUNS sets the number of sequences per database (default 300: about a
 * minute per database on a 2-core machine that runs the rest of the suite beside it; every
 * run's new seed explores new ones, and TOLLGATE_PROPERTY_RUNS=5000 searches harder).
 *
 * One ledger per database serves the whole run (opening one is slow): each sequence uses
 * fresh account ids and a clock shared by the run that only moves forward.
 */

const RUNS = Number(process.env.TOLLGATE_PROPERTY_RUNS ?? 300);
const SEED = Number(process.env.TOLLGATE_PROPERTY_SEED ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0);
const PATH = process.env.TOLLGATE_PROPERTY_PATH || undefined;
const SEQUENCE_LENGTH_MAX = 30;

const MINUTE_MS = 60_000;
const SIGNUP_MINOR = 25n;
const OVERDRAFT_MINOR = 40n;

const config = defineLedgerConfig({
  units: [
    { unit: "credits", scale: 0 },
    { unit: "usd", scale: 2 },
  ],
  signupGrants: {
    user: [{ unit: "credits", amountMinor: SIGNUP_MINOR, expiresInMs: 30 * MINUTE_MS }],
    organization: [],
    guest: [],
  },
  sourcePriorities: PAID_FIRST,
  overdraftLimitMinorDefault: OVERDRAFT_MINOR,
});

const modelConfig = {
  units: ["credits", "usd"],
  defaultUnit: "credits",
  priorities: PAID_FIRST,
  overdraftMinor: OVERDRAFT_MINOR,
  holdTtlMsDefault: config.holdTtlMsDefault,
  holdTtlMsMax: config.holdTtlMsMax,
  amountMinorMax: AMOUNT_MINOR_MAX,
  signup: { unit: "credits", amountMinor: SIGNUP_MINOR, expiresInMs: 30 * MINUTE_MS },
};

// ---------------------------------------------------------------------------------------
// Commands: what fast-check generates. Holds and transactions are named by a `Pick` (the
// latest live one, one counted back from the latest, or one that does not exist), resolved
// when the command runs, so a shrunk sequence still means something.

const ACCOUNTS = [
  { model: "user:a", type: "user", suffix: "a" },
  { model: "user:b", type: "user", suffix: "b" },
  { model: "guest:g", type: "guest", suffix: "g" },
] as const;

type UnitChoice = "default" | "credits" | "usd" | "gold";
/** Relative to the hold, and to what the account has available beside it. */
type SettleAmount = "zero" | "below" | "equal" | "above" | "into_overdraft" | "beyond_overdraft" | "negative";
/** Which holds or transactions a command picks from: `back` counts back from the latest. */
type Pick = { pool: "live" | "any" | "none"; back: number } | { pool: "exact"; id: string };

type Command =
  | {
      kind: "grant";
      account: number;
      unit: UnitChoice;
      amountMinor: bigint;
      source: GrantSource;
      priority?: number;
      expires: number | "none" | "now" | "past";
      reason?: string;
    }
  | {
      kind: "authorize";
      account: number;
      unit: UnitChoice;
      amountMinor: bigint;
      ttlMs?: number;
      /** What the call does next with the hold it just made, as the hot path does. */
      followUp?: Extract<Command, { kind: "settle" | "release" }>;
    }
  | { kind: "settle"; hold: Pick; amount: SettleAmount; deltaMinor: bigint; captureAvailable?: boolean }
  | { kind: "release"; hold: Pick }
  | { kind: "charge" | "deduct"; account: number; unit: UnitChoice; amountMinor: bigint; reason: string }
  | {
      kind: "refund";
      transaction: Pick;
      amountMinor?: bigint;
      /** Refund the same transaction again right after, by this much (absent: the rest). */
      again?: { amountMinor?: bigint };
    }
  | { kind: "reverse"; transaction: Pick; reason: string }
  | { kind: "advance"; ms: number; sweep: boolean }
  | { kind: "replay"; index: number; samePayload: boolean };

const accountArb = fc.constantFrom(0, 0, 0, 0, 0, 1, 2);
const unitArb = fc.oneof(
  { weight: 16, arbitrary: fc.constant<UnitChoice>("default") },
  { weight: 2, arbitrary: fc.constantFrom<UnitChoice>("credits", "usd") },
  { weight: 1, arbitrary: fc.constant<UnitChoice>("gold") },
);
const amountArb = fc.oneof(
  { weight: 12, arbitrary: fc.bigInt(1n, 40n) },
  { weight: 2, arbitrary: fc.bigInt(41n, 300n) },
  { weight: 1, arbitrary: fc.constantFrom(0n, -1n, AMOUNT_MINOR_MAX + 1n) },
);
const grantAmountArb = fc.oneof(
  { weight: 12, arbitrary: fc.bigInt(5n, 80n) },
  { weight: 1, arbitrary: fc.constantFrom(0n, -1n, AMOUNT_MINOR_MAX + 1n) },
);
/**
 * Mostly a live hold (active) or transaction (a draw with something left to refund, or an
 * unreversed grant), counting back from the latest; sometimes any; rarely one that does not exist.
 */
const pickArb: fc.Arbitrary<Pick> = fc.record({
  pool: fc.constantFrom<"live" | "any" | "none">("live", "live", "live", "live", "any", "any", "none"),
  back: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.nat(5) }),
});

function settleArb(hold: fc.Arbitrary<Pick>) {
  return fc.record(
    {
      kind: fc.constant("settle" as const),
      hold,
      amount: fc.constantFrom<SettleAmount>(
        "zero",
        "below",
        "below",
        "equal",
        "above",
        "into_overdraft",
        "into_overdraft",
        "beyond_overdraft",
        "negative",
      ),
      deltaMinor: fc.bigInt(1n, 40n),
      captureAvailable: fc.boolean(),
    },
    { requiredKeys: ["kind", "hold", "amount", "deltaMinor"] },
  );
}

/** The hold an authorization just made: the latest live one. */
const justMade = fc.constant<Pick>({ pool: "live", back: 0 });

/** Every sequence opens with a valid grant to the first user, so the rest has credits to work with. */
const openingArb: fc.Arbitrary<Command> = fc.record({
  kind: fc.constant("grant" as const),
  account: fc.constant(0),
  unit: fc.constant<UnitChoice>("default"),
  amountMinor: fc.bigInt(20n, 100n),
  source: fc.constantFrom<GrantSource>("purchase", "promo", "plan"),
  expires: fc.constantFrom<number | "none">("none", 10 * MINUTE_MS, 60 * MINUTE_MS),
});

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        kind: fc.constant("grant" as const),
        account: accountArb,
        unit: unitArb,
        amountMinor: grantAmountArb,
        source: fc.constantFrom(...GRANT_SOURCES),
        priority: fc.constantFrom(0, 50, 200),
        expires: fc.oneof(
          { weight: 5, arbitrary: fc.constant("none" as const) },
          { weight: 5, arbitrary: fc.constantFrom(1_000, MINUTE_MS, 10 * MINUTE_MS, 45 * MINUTE_MS, 180 * MINUTE_MS) },
          { weight: 1, arbitrary: fc.constantFrom("now" as const, "past" as const) },
        ),
        reason: fc.constantFrom("", "goodwill"),
      },
      { requiredKeys: ["kind", "account", "unit", "amountMinor", "source", "expires"] },
    ),
  },
  {
    weight: 5,
    arbitrary: fc.record(
      {
        kind: fc.constant("authorize" as const),
        account: accountArb,
        unit: unitArb,
        amountMinor: amountArb,
        ttlMs: fc.oneof(
          { weight: 10, arbitrary: fc.constantFrom(1_000, MINUTE_MS, 20 * MINUTE_MS, 120 * MINUTE_MS) },
          { weight: 1, arbitrary: fc.constantFrom(0, config.holdTtlMsMax + 1) },
        ),
        followUp: fc.option(
          fc.oneof(
            { weight: 4, arbitrary: settleArb(justMade) },
            { weight: 1, arbitrary: fc.record({ kind: fc.constant("release" as const), hold: justMade }) },
          ),
          { nil: undefined, freq: 2 },
        ),
      },
      { requiredKeys: ["kind", "account", "unit", "amountMinor"] },
    ),
  },
  { weight: 3, arbitrary: settleArb(pickArb) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("release" as const), hold: pickArb }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constantFrom("charge" as const, "charge" as const, "charge" as const, "deduct" as const),
      account: accountArb,
      unit: unitArb,
      amountMinor: amountArb,
      reason: fc.constantFrom("usage", "usage", "usage", "usage", " "),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        kind: fc.constant("refund" as const),
        transaction: pickArb,
        amountMinor: fc.oneof({ weight: 6, arbitrary: fc.bigInt(1n, 15n) }, { weight: 1, arbitrary: fc.constant(0n) }),
        again: fc.record({ amountMinor: fc.bigInt(1n, 30n) }, { requiredKeys: [] }),
      },
      { requiredKeys: ["kind", "transaction"] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("reverse" as const),
      transaction: pickArb,
      reason: fc.constantFrom("mistake", "mistake", "mistake", "mistake", ""),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.constantFrom(
        1,
        999,
        MINUTE_MS,
        5 * MINUTE_MS,
        10 * MINUTE_MS,
        31 * MINUTE_MS,
        3 * 60 * MINUTE_MS,
        25 * 60 * MINUTE_MS,
      ),
      sweep: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("replay" as const), index: fc.nat(30), samePayload: fc.boolean() }),
  },
);

const sequenceArb = fc
  .tuple(openingArb, fc.array(commandArb, { minLength: 2, maxLength: SEQUENCE_LENGTH_MAX - 1, size: "max" }))
  .map(([opening, rest]) => [opening, ...rest]);

// ---------------------------------------------------------------------------------------
// One sequence against one ledger.

type TestLedger = Awaited<ReturnType<typeof openTestLedger>>;

interface Sequence {
  ledger: TestLedger;
  clock: { ms: number };
  model: ReferenceLedger;
  tag: string;
  /** Model ids of holds and transactions, in creation order, and their real ids. */
  holds: string[];
  transactions: string[];
  realIds: Map<string, string>;
  history: Array<{ real: Operation; model: ModelOp; key: string }>;
  step: number;
  codes: Map<string, number>;
}

const UNKNOWN = "unknown";

function pick(list: string[], back: number): string {
  return list.length === 0 ? UNKNOWN : (list[list.length - 1 - (back % list.length)] as string);
}

/** A hold to settle or release; null when the command asks for a live one and there is none. */
function pickHold(sequence: Sequence, choice: Pick): string | null {
  if (choice.pool === "none") return UNKNOWN;
  if (choice.pool === "exact") return choice.id;
  if (choice.pool === "any") return pick(sequence.holds, choice.back);
  const live = sequence.holds.filter((id) => sequence.model.holds.get(id)?.status === "active");
  return live.length > 0 ? pick(live, choice.back) : null;
}

/**
 * Live transactions: for a refund, a charge or settlement with something left to refund; for
 * a reversal, also a deduction and a grant not reversed yet.
 */
function pickTransaction(sequence: Sequence, choice: Pick, purpose: "refund" | "reverse"): string | null {
  if (choice.pool === "none") return UNKNOWN;
  if (choice.pool === "exact") return choice.id;
  if (choice.pool === "any") return pick(sequence.transactions, choice.back);
  const kinds = purpose === "refund" ? ["charge", "settle"] : ["charge", "settle", "deduction", "grant"];
  const live = sequence.transactions.filter((id) => {
    const transaction = sequence.model.transactions.get(id);
    if (!transaction || transaction.reversed || !kinds.includes(transaction.kind)) return false;
    return transaction.kind === "grant" || transaction.refunded < transaction.amount;
  });
  return live.length > 0 ? pick(live, choice.back) : null;
}

function realId(sequence: Sequence, modelId: string, prefix: string): string {
  return sequence.realIds.get(modelId) ?? `${prefix}_unknown`;
}

function accountRef(sequence: Sequence, index: number) {
  const account = ACCOUNTS[index] as (typeof ACCOUNTS)[number];
  return { type: account.type, externalId: `${sequence.tag}-${account.suffix}` };
}

const unitOf = (choice: UnitChoice) => (choice === "default" ? undefined : choice);

/**
 * The real operation and the model's for one command; null for a command that is not an
 * operation, or that asks for a live hold or transaction when there is none (it is skipped).
 */
function translate(sequence: Sequence, command: Command): { real: Operation; model: ModelOp } | null {
  const key = `k${sequence.step}`;
  const now = sequence.clock.ms;
  switch (command.kind) {
    case "grant": {
      const expiresAt =
        command.expires === "none"
          ? undefined
          : command.expires === "now"
            ? now
            : command.expires === "past"
              ? now - 1_000
              : now + command.expires;
      const fields = {
        unit: unitOf(command.unit),
        amountMinor: command.amountMinor,
        source: command.source,
        priority: command.priority,
        reason: command.reason,
      };
      return {
        real: {
          kind: "grant",
          account: accountRef(sequence, command.account),
          ...fields,
          expiresAt: expiresAt === undefined ? undefined : new Date(expiresAt),
          idempotencyKey: key,
        },
        model: { kind: "grant", account: (ACCOUNTS[command.account] ?? ACCOUNTS[0]).model, ...fields, expiresAt },
      };
    }
    case "authorize": {
      const { account, unit, followUp: _followUp, ...rest } = command;
      const fields = { ...rest, unit: unitOf(unit) };
      return {
        real: { ...fields, account: accountRef(sequence, account), idempotencyKey: key },
        model: { ...fields, account: (ACCOUNTS[account] ?? ACCOUNTS[0]).model },
      };
    }
    case "charge":
    case "deduct": {
      const { account, unit, ...rest } = command;
      const fields = { ...rest, unit: unitOf(unit) };
      return {
        real: { ...fields, account: accountRef(sequence, account), idempotencyKey: key } as Operation,
        model: { ...fields, account: (ACCOUNTS[account] ?? ACCOUNTS[0]).model } as ModelOp,
      };
    }
    case "settle": {
      const hold = pickHold(sequence, command.hold);
      if (hold === null) return null;
      const known = sequence.model.holds.get(hold);
      const heldMinor = known?.amount ?? 10n;
      const available = known ? sequence.model.available(known.account, known.unit) : 0n;
      const besideMinor = (available > 0n ? available : 0n) + heldMinor;
      const amountMinor = {
        zero: 0n,
        below: heldMinor - command.deltaMinor > 0n ? heldMinor - command.deltaMinor : 1n,
        equal: heldMinor,
        above: heldMinor + command.deltaMinor,
        into_overdraft: besideMinor + 1n + (command.deltaMinor % OVERDRAFT_MINOR),
        beyond_overdraft: besideMinor + OVERDRAFT_MINOR + command.deltaMinor,
        negative: -command.deltaMinor,
      }[command.amount];
      const captureAvailable = command.captureAvailable;
      return {
        real: {
          kind: "settle",
          holdId: realId(sequence, hold, "hold"),
          amountMinor,
          captureAvailable,
          idempotencyKey: key,
        },
        model: { kind: "settle", hold, amountMinor, captureAvailable },
      };
    }
    case "release": {
      const hold = pickHold(sequence, command.hold);
      if (hold === null) return null;
      return {
        real: { kind: "release", holdId: realId(sequence, hold, "hold"), idempotencyKey: key },
        model: { kind: "release", hold },
      };
    }
    case "refund": {
      const transaction = pickTransaction(sequence, command.transaction, "refund");
      if (transaction === null) return null;
      const amountMinor = command.amountMinor;
      return {
        real: { kind: "refund", transactionId: realId(sequence, transaction, "txn"), amountMinor, idempotencyKey: key },
        model: { kind: "refund", transaction, amountMinor },
      };
    }
    case "reverse": {
      const transaction = pickTransaction(sequence, command.transaction, "reverse");
      if (transaction === null) return null;
      return {
        real: {
          kind: "reverse",
          transactionId: realId(sequence, transaction, "txn"),
          reason: command.reason,
          idempotencyKey: key,
        },
        model: { kind: "reverse", transaction, reason: command.reason },
      };
    }
    default:
      return null;
  }
}

/** The same key with another payload: a changed amount or reason, or a release turned settle. */
function altered(entry: { real: Operation; model: ModelOp }): { real: Operation; model: ModelOp } {
  const { real, model } = entry;
  if (real.kind === "release" && model.kind === "release") {
    return {
      real: { kind: "settle", holdId: real.holdId, amountMinor: 0n, idempotencyKey: real.idempotencyKey },
      model: { kind: "settle", hold: model.hold, amountMinor: 0n },
    };
  }
  if (real.kind === "reverse" && model.kind === "reverse") {
    return { real: { ...real, reason: `${real.reason} again` }, model: { ...model, reason: `${model.reason} again` } };
  }
  const amountOf = (op: { amountMinor?: bigint }) => (op.amountMinor === undefined ? 1n : op.amountMinor + 1n);
  return {
    real: { ...real, amountMinor: amountOf(real as { amountMinor?: bigint }) } as Operation,
    model: { ...model, amountMinor: amountOf(model as { amountMinor?: bigint }) } as ModelOp,
  };
}

/** A stable text of a request without its key, to tell a replay from a conflict. */
function canonical(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value)
      .filter(([name, field]) => field !== undefined && name !== "idempotencyKey")
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, field]) => `${name}:${canonical(field)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Runs one command on both sides and compares the results; returns a follow-up command, if any. */
async function runCommand(sequence: Sequence, command: Command): Promise<Command | undefined> {
  sequence.step += 1;
  if (command.kind === "advance") {
    sequence.clock.ms += command.ms;
    sequence.model.advanceTo(sequence.clock.ms);
    if (command.sweep) await sequence.ledger.sweepExpired();
    return;
  }
  let entry: { real: Operation; model: ModelOp; key: string };
  let replayed = false;
  if (command.kind === "replay") {
    if (sequence.history.length === 0) return;
    const earlier = sequence.history[command.index % sequence.history.length] as (typeof sequence.history)[number];
    entry = command.samePayload ? earlier : { ...altered(earlier), key: earlier.key };
    replayed = true;
  } else {
    const ops = translate(sequence, command);
    if (!ops) return;
    entry = { ...ops, key: ops.real.idempotencyKey };
  }
  const expected = sequence.model.execute(entry.model, entry.key, canonical(entry.real));
  const actual = await sequence.ledger.execute(entry.real);
  compareResults(sequence, actual, expected, entry);
  if (!replayed) sequence.history.push(entry);
  if (!expected.ok || replayed) return undefined;
  if (command.kind === "authorize") return command.followUp;
  if (command.kind === "refund" && command.again && entry.model.kind === "refund") {
    return { kind: "refund", transaction: { pool: "exact", id: entry.model.transaction }, ...command.again };
  }
  return undefined;
}

function compareResults(
  sequence: Sequence,
  actual: OperationResult,
  expected: ModelResult,
  entry: { real: Operation; model: ModelOp },
): void {
  const where = `step ${sequence.step} (${canonical(entry.real)})`;
  const code = actual.ok ? "ok" : actual.code;
  count(sequence, code);
  assert.equal(code, expected.ok ? "ok" : expected.code, `${where}: result`);
  if (!actual.ok || !expected.ok) {
    if (!actual.ok && !expected.ok) {
      assert.equal(actual.details.requiredMinor, expected.requiredMinor, `${where}: requiredMinor`);
      assert.equal(actual.details.availableMinor, expected.availableMinor, `${where}: availableMinor`);
    }
    return;
  }
  const value = actual.value as unknown as Record<string, unknown>;
  const model = expected.value;
  assert.equal(actual.replayed, expected.replayed, `${where}: replayed`);
  if (actual.replayed) count(sequence, "replayed");
  if ((model.shortfallMinor ?? 0n) > 0n) count(sequence, "shortfall");
  for (const field of ["unit", "amountMinor", "balanceMinor", "heldMinor", "availableMinor"] as const) {
    assert.equal(value[field], model[field], `${where}: ${field}`);
  }
  if (model.shortfallMinor !== undefined)
    assert.equal(value.shortfallMinor, model.shortfallMinor, `${where}: shortfall`);
  if (model.status !== undefined) assert.equal(value.status, model.status, `${where}: status`);
  if (model.expiresAt !== undefined) {
    assert.equal((value.expiresAt as Date).getTime(), model.expiresAt, `${where}: expiresAt`);
  }
  matchId(sequence, model.holdId, value.holdId, sequence.holds, where);
  if (model.transactionId === null) assert.equal(value.transactionId, "", `${where}: no transaction`);
  else matchId(sequence, model.transactionId, value.transactionId, sequence.transactions, where);
}

/** Tallies result codes and notable events, printed at the end to show what the run reached. */
function count(sequence: Sequence, what: string): void {
  sequence.codes.set(what, (sequence.codes.get(what) ?? 0) + 1);
}

/** Learns the real id of a model id the first time; a replay must then return the same one. */
function matchId(sequence: Sequence, modelId: string | undefined, real: unknown, list: string[], where: string) {
  if (modelId === undefined) return;
  assert.equal(typeof real, "string", `${where}: id`);
  const known = sequence.realIds.get(modelId);
  if (known) {
    assert.equal(real, known, `${where}: the replay returns the first result's id`);
    return;
  }
  sequence.realIds.set(modelId, real as string);
  list.push(modelId);
}

const ZERO_VIEW = { balanceMinor: 0n, heldMinor: 0n, availableMinor: 0n, debtMinor: 0n, lots: [] };

async function compareBalances(sequence: Sequence): Promise<void> {
  for (const [index, account] of ACCOUNTS.entries()) {
    const actual = await sequence.ledger.getBalances(accountRef(sequence, index));
    const expected = sequence.model.view(account.model);
    const where = `step ${sequence.step}, ${account.model}`;
    if (expected === null) {
      assert.equal(actual, null, `${where}: the account does not exist yet`);
      continue;
    }
    assert.ok(actual, `${where}: the account exists`);
    for (const unit of expected) {
      const row: Omit<BalanceView, "unit"> = actual.find((view) => view.unit === unit.unit) ?? ZERO_VIEW;
      assert.deepEqual(
        {
          balanceMinor: row.balanceMinor,
          heldMinor: row.heldMinor,
          availableMinor: row.availableMinor,
          debtMinor: row.debtMinor,
          lots: row.lots.map((lot) => ({
            source: lot.source,
            priority: lot.priority,
            expiresAt: lot.expiresAt?.getTime() ?? null,
            remainingMinor: lot.remainingMinor,
            heldMinor: lot.heldMinor,
          })),
        },
        {
          balanceMinor: unit.balanceMinor,
          heldMinor: unit.heldMinor,
          availableMinor: unit.availableMinor,
          debtMinor: unit.debtMinor,
          lots: unit.lots,
        },
        `${where}, ${unit.unit}: balance and lots`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------

const START_MS = Date.parse("2031-01-01T00:00:00.000Z");

const databases = (await testDatabases()).filter(
  (database) =>
    !process.env.TOLLGATE_PROPERTY_DATABASES || process.env.TOLLGATE_PROPERTY_DATABASES.includes(database.name),
);

for (const database of databases) {
  describe(`ledger against the reference model on ${database.name}`, () => {
    const clock = { ms: START_MS };
    let ledger: TestLedger;
    let sequenceCount = 0;
    const codes = new Map<string, number>();

    before(async () => {
      ledger = await openTestLedger(database, { config, clock: () => new Date(clock.ms) });
    });
    after(() => ledger.dispose());

    test(`${RUNS} random sequences (seed ${SEED}; TOLLGATE_PROPERTY_SEED=${SEED} replays them)`, async () => {
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(sequenceArb, async (commands) => {
          const sequence: Sequence = {
            ledger,
            clock,
            model: new ReferenceLedger(modelConfig, clock.ms),
            tag: `${database.name}-${++sequenceCount}`,
            holds: [],
            transactions: [],
            realIds: new Map(),
            history: [],
            step: 0,
            codes,
          };
          for (const command of commands) {
            let next: Command | undefined = command;
            while (next) {
              next = await runCommand(sequence, next);
              await compareBalances(sequence);
            }
          }
          for (const [event, times] of sequence.model.events) codes.set(event, (codes.get(event) ?? 0) + times);
        }),
        { numRuns: PATH ? 1 : RUNS, seed: SEED, path: PATH, endOnFailure: PATH !== undefined },
      );
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const seen = [...codes].sort(([a], [b]) => (a < b ? -1 : 1)).map(([code, count]) => `${code}: ${count}`);
      console.log(
        `# ${database.name}: ${sequenceCount} sequences in ${seconds} s; results and events seen: ${seen.join(", ")}`,
      );
    });

    test("reconcile finds every invariant holding over everything the sequences wrote, before and after a sweep", async () => {
      const expectReconciled = async () => {
        const report = await reconcile(ledger.sql, { now: new Date(clock.ms) });
        const failed = report.checks.filter((check) => check.mismatches.length > 0);
        assert.deepEqual(
          failed.map((check) => ({ name: check.name, mismatches: check.mismatches.slice(0, 3) })),
          [],
        );
      };
      await expectReconciled();
      await ledger.sweepExpired({ accountsMax: 100_000 });
      await expectReconciled();
    });

    test("a replay returns the first result, another payload conflicts, a failed first try binds nothing", async () => {
      const account = { type: "user" as const, externalId: `${database.name}-idempotency` };
      const first = await ledger.charge({ account, amountMinor: 10n, idempotencyKey: "same" });
      assert.ok(first.ok);
      assert.deepEqual(await ledger.charge({ account, amountMinor: 10n, idempotencyKey: "same" }), {
        ...first,
        replayed: true,
      });
      const conflict = await ledger.charge({ account, amountMinor: 11n, idempotencyKey: "same" });
      assert.equal(conflict.ok ? "ok" : conflict.code, "idempotency_conflict");
      const otherKind = await ledger.deduct({ account, amountMinor: 10n, reason: "x", idempotencyKey: "same" });
      assert.equal(otherKind.ok ? "ok" : otherKind.code, "idempotency_conflict");
      const tooMuch = await ledger.charge({ account, amountMinor: 1_000n, idempotencyKey: "retry" });
      assert.equal(tooMuch.ok ? "ok" : tooMuch.code, "insufficient_credits");
      const retried = await ledger.charge({ account, amountMinor: 5n, idempotencyKey: "retry" });
      assert.ok(retried.ok && !retried.replayed);
      const balances = await ledger.getBalances(account, { unit: "credits" });
      assert.equal(balances?.[0]?.balanceMinor, SIGNUP_MINOR - 15n);
    });
  });
}
