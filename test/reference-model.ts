/**
 * A deliberately plain, in-memory ledger that states the rules of DESIGN.md a second time,
 * without sharing a line with the core: test/ledger-model.test.ts runs random operations on
 * it and on the real `Ledger` and compares every result and every balance.
 *
 * Where the core keeps running totals (a balance row, `held` on lots), this model derives
 * them from first principles: balance = Σ lots' remaining − debt, held = Σ active holds, a
 * lot's held part = Σ what active holds reserved on it. Expiry is eager: `advanceTo` and
 * every operation first expire what is due, which is what a reader must see anyway.
 */

export type Source = "signup" | "plan" | "pack" | "purchase" | "promo" | "admin" | "refund";
export type AccountKind = "user" | "guest";

export interface ModelConfig {
  units: readonly string[];
  defaultUnit: string;
  priorities: Readonly<Record<Source, number>>;
  overdraftMinor: bigint;
  holdTtlMsDefault: number;
  holdTtlMsMax: number;
  amountMinorMax: bigint;
  /** Credits a new user receives when first used. */
  signup: { unit: string; amountMinor: bigint; expiresInMs: number | null } | null;
}

/** Operations in the model's own terms: accounts by key, holds and transactions by model id. */
export type ModelOp =
  | {
      kind: "grant";
      account: string;
      unit?: string;
      amountMinor: bigint;
      source: Source;
      priority?: number;
      expiresAt?: number | null;
      reason?: string;
    }
  | { kind: "authorize"; account: string; unit?: string; amountMinor: bigint; ttlMs?: number }
  | { kind: "settle"; hold: string; amountMinor: bigint; captureAvailable?: boolean }
  | { kind: "release"; hold: string }
  | { kind: "charge"; account: string; unit?: string; amountMinor: bigint; reason?: string }
  | { kind: "deduct"; account: string; unit?: string; amountMinor: bigint; reason: string }
  | { kind: "refund"; transaction: string; amountMinor?: bigint }
  | { kind: "reverse"; transaction: string; reason: string };

export interface ModelOutcome {
  unit: string;
  amountMinor: bigint;
  balanceMinor: bigint;
  heldMinor: bigint;
  availableMinor: bigint;
  holdId?: string;
  /** Null for a settlement of zero, which writes no transaction. */
  transactionId?: string | null;
  lotId?: string;
  shortfallMinor?: bigint;
  status?: HoldStatus;
  expiresAt?: number;
}

export type ModelResult =
  | { ok: true; replayed: boolean; value: ModelOutcome }
  | { ok: false; code: string; requiredMinor?: bigint; availableMinor?: bigint };

type HoldStatus = "active" | "settled" | "released" | "expired";

interface Lot {
  id: string;
  /** Creation order, the last tie-break of the spend order. */
  sequence: number;
  unit: string;
  source: Source;
  priority: number;
  expiresAt: number | null;
  createdAt: number;
  remaining: bigint;
}

export interface Hold {
  id: string;
  account: string;
  unit: string;
  amount: bigint;
  expiresAt: number;
  status: HoldStatus;
  allocations: Array<{ lot: string; amount: bigint }>;
}

/** Where a draw took credits from, merged per lot (or the debt) in first-drawn order. */
interface Portion {
  target: string | "debt";
  drawn: bigint;
  returned: bigint;
}

export interface Transaction {
  id: string;
  account: string;
  kind: "grant" | "charge" | "settle" | "deduction" | "refund" | "reversal";
  unit: string;
  amount: bigint;
  portions: Portion[];
  grantLot: string | null;
  repaid: bigint;
  refunded: bigint;
  reversed: boolean;
}

interface Account {
  kind: AccountKind;
  lots: Lot[];
  debt: Map<string, bigint>;
  keys: Map<string, { payload: string; result: Extract<ModelResult, { ok: true }> }>;
}

export interface ModelBalance {
  unit: string;
  balanceMinor: bigint;
  heldMinor: bigint;
  availableMinor: bigint;
  debtMinor: bigint;
  /** Live lots in spend order. */
  lots: Array<{
    source: Source;
    priority: number;
    expiresAt: number | null;
    remainingMinor: bigint;
    heldMinor: bigint;
  }>;
}

const PAID: ReadonlySet<Source> = new Set(["pack", "purchase", "plan"]);

export class ReferenceLedger {
  readonly accounts = new Map<string, Account>();
  readonly holds = new Map<string, Hold>();
  readonly transactions = new Map<string, Transaction>();
  /** Notable paths taken, tallied so a test can show what its random sequences reached. */
  readonly events = new Map<string, number>();
  #sequence = 0;

  constructor(
    readonly config: ModelConfig,
    public now: number,
  ) {}

  /** Moves time forward and lets what is due expire. */
  advanceTo(now: number): void {
    if (now < this.now) throw new Error("the model's clock only moves forward");
    this.now = now;
    this.#expire();
  }

  /**
   * Applies an operation under an idempotency key. `payload` identifies the request (the
   * harness passes a canonical form of what it sent), so a reused key can be told apart.
   */
  execute(op: ModelOp, key: string, payload: string): ModelResult {
    this.#expire();
    // An account named for the first time exists afterwards only if the operation succeeds.
    const opening = "account" in op && !this.accounts.has(op.account) ? op.account : null;
    const scope = this.#scopeOf(op);
    const earlier = scope === null ? undefined : this.accounts.get(scope)?.keys.get(key);
    if (earlier) {
      return earlier.payload === payload ? { ...earlier.result, replayed: true } : failure("idempotency_conflict");
    }
    const result = this.#apply(op);
    this.#expire();
    if (result.ok && scope !== null) this.#account(scope).keys.set(key, { payload, result });
    if (!result.ok && opening !== null) this.accounts.delete(opening);
    return result;
  }

  /** What `account` has available in `unit` now; zero for an account never used. Changes nothing. */
  available(account: string, unit: string): bigint {
    return this.accounts.has(account) ? this.#balance(account, unit).availableMinor : 0n;
  }

  /** What a reader sees: null for an account never used, else every unit the deployment has. */
  view(account: string): ModelBalance[] | null {
    const state = this.accounts.get(account);
    if (!state) return null;
    return this.config.units.map((unit) => ({
      unit,
      ...this.#balance(account, unit),
      debtMinor: state.debt.get(unit) ?? 0n,
      lots: this.#spendOrder(state.lots.filter((lot) => lot.unit === unit && lot.remaining > 0n)).map((lot) => ({
        source: lot.source,
        priority: lot.priority,
        expiresAt: lot.expiresAt,
        remainingMinor: lot.remaining,
        heldMinor: this.#heldOn(lot),
      })),
    }));
  }

  #apply(op: ModelOp): ModelResult {
    switch (op.kind) {
      case "grant":
        return this.#grant(op);
      case "authorize":
        return this.#authorize(op);
      case "settle":
        return this.#settle(op);
      case "release":
        return this.#release(op);
      case "charge":
      case "deduct":
        return this.#draw(op);
      case "refund":
        return this.#refund(op);
      case "reverse":
        return this.#reverse(op);
    }
  }

  #grant(op: Extract<ModelOp, { kind: "grant" }>): ModelResult {
    const account = this.#account(op.account);
    const unit = op.unit ?? this.config.defaultUnit;
    if (!this.config.units.includes(unit)) return failure("unit_not_found");
    if (!this.#validAmount(op.amountMinor)) return failure("invalid_amount");
    if (op.expiresAt != null && op.expiresAt <= this.now) return failure("invalid_expiry");
    if (op.source === "admin" && !op.reason?.trim()) return failure("reason_required");
    if (account.kind === "guest" && PAID.has(op.source)) return failure("guest_cannot_purchase");
    const { lot, repaid } = this.#addLot(op.account, {
      unit,
      source: op.source,
      priority: op.priority ?? this.config.priorities[op.source],
      expiresAt: op.expiresAt ?? null,
      amount: op.amountMinor,
    });
    const transaction = this.#record(op.account, "grant", unit, op.amountMinor);
    transaction.grantLot = lot.id;
    transaction.repaid = repaid;
    return this.#ok(op.account, unit, { amountMinor: op.amountMinor, transactionId: transaction.id, lotId: lot.id });
  }

  #authorize(op: Extract<ModelOp, { kind: "authorize" }>): ModelResult {
    this.#account(op.account);
    const unit = op.unit ?? this.config.defaultUnit;
    if (!this.config.units.includes(unit)) return failure("unit_not_found");
    if (!this.#validAmount(op.amountMinor)) return failure("invalid_amount");
    const ttlMs = op.ttlMs ?? this.config.holdTtlMsDefault;
    if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > this.config.holdTtlMsMax) return failure("invalid_expiry");
    const { availableMinor } = this.#balance(op.account, unit);
    if (op.amountMinor > availableMinor) return insufficient(op.amountMinor, availableMinor);
    const allocations: Hold["allocations"] = [];
    let left = op.amountMinor;
    for (const lot of this.#spendable(op.account, unit)) {
      const take = min(this.#freeOn(lot), left);
      if (take > 0n) allocations.push({ lot: lot.id, amount: take });
      left -= take;
    }
    if (left !== 0n) throw new Error("model: a hold within available found too few lots");
    const hold: Hold = {
      id: this.#id("hold"),
      account: op.account,
      unit,
      amount: op.amountMinor,
      expiresAt: this.now + ttlMs,
      status: "active",
      allocations,
    };
    this.holds.set(hold.id, hold);
    return this.#holdOutcome(hold);
  }

  #settle(op: Extract<ModelOp, { kind: "settle" }>): ModelResult {
    if (!this.#validAmount(op.amountMinor, { zero: true })) return failure("invalid_amount");
    const hold = this.holds.get(op.hold);
    const closed = holdClosed(hold);
    if (closed || !hold) return closed ?? failure("hold_not_found");
    const { availableMinor } = this.#balance(hold.account, hold.unit);
    const room = max(availableMinor + this.config.overdraftMinor, 0n);
    let captured = op.amountMinor;
    if (captured > hold.amount + room) {
      if (!op.captureAvailable) return insufficient(op.amountMinor, hold.amount + max(availableMinor, 0n));
      captured = hold.amount + room;
    }
    hold.status = "settled";
    let transactionId: string | null = null;
    if (captured > 0n) {
      const transaction = this.#record(hold.account, "settle", hold.unit, captured);
      transactionId = transaction.id;
      let left = captured;
      for (const allocation of hold.allocations) {
        const take = min(allocation.amount, left);
        this.#takeFromLot(transaction, this.#lot(hold.account, allocation.lot), take);
        left -= take;
      }
      left = this.#drawFree(transaction, left);
      if (left > 0n) {
        this.#note("settle into overdraft");
        const account = this.#account(hold.account);
        account.debt.set(hold.unit, (account.debt.get(hold.unit) ?? 0n) + left);
        addPortion(transaction, "debt", left);
      }
    }
    return this.#ok(hold.account, hold.unit, {
      holdId: hold.id,
      transactionId,
      amountMinor: captured,
      shortfallMinor: op.amountMinor - captured,
    });
  }

  #release(op: Extract<ModelOp, { kind: "release" }>): ModelResult {
    const hold = this.holds.get(op.hold);
    const closed = holdClosed(hold);
    if (closed || !hold) return closed ?? failure("hold_not_found");
    hold.status = "released";
    return this.#holdOutcome(hold);
  }

  #draw(op: Extract<ModelOp, { kind: "charge" | "deduct" }>): ModelResult {
    this.#account(op.account);
    const unit = op.unit ?? this.config.defaultUnit;
    if (!this.config.units.includes(unit)) return failure("unit_not_found");
    if (!this.#validAmount(op.amountMinor)) return failure("invalid_amount");
    if (op.kind === "deduct" && !op.reason.trim()) return failure("reason_required");
    const { availableMinor } = this.#balance(op.account, unit);
    if (op.amountMinor > availableMinor) return insufficient(op.amountMinor, availableMinor);
    const transaction = this.#record(op.account, op.kind === "charge" ? "charge" : "deduction", unit, op.amountMinor);
    const left = this.#drawFree(transaction, op.amountMinor);
    if (left !== 0n) throw new Error("model: a draw within available found too few lots");
    return this.#ok(op.account, unit, { amountMinor: op.amountMinor, transactionId: transaction.id });
  }

  #refund(op: Extract<ModelOp, { kind: "refund" }>): ModelResult {
    if (op.amountMinor !== undefined && !this.#validAmount(op.amountMinor)) return failure("invalid_amount");
    const original = this.transactions.get(op.transaction);
    if (!original) return failure("transaction_not_found");
    if (original.kind !== "charge" && original.kind !== "settle") return failure("transaction_not_refundable");
    if (original.reversed) return failure("transaction_already_reversed");
    const left = original.amount - original.refunded;
    const amount = op.amountMinor ?? left;
    if (amount === 0n || amount > left) {
      return { ok: false, code: "refund_exceeds_charge", requiredMinor: amount, availableMinor: left };
    }
    const transaction = this.#record(original.account, "refund", original.unit, amount);
    this.#giveBack(original, amount);
    return this.#ok(original.account, original.unit, { amountMinor: amount, transactionId: transaction.id });
  }

  #reverse(op: Extract<ModelOp, { kind: "reverse" }>): ModelResult {
    if (!op.reason.trim()) return failure("reason_required");
    const original = this.transactions.get(op.transaction);
    if (!original) return failure("transaction_not_found");
    if (original.kind === "refund" || original.kind === "reversal") return failure("transaction_not_reversible");
    if (original.reversed) return failure("transaction_already_reversed");
    const account = this.#account(original.account);
    let amount: bigint;
    if (original.kind === "grant") {
      // The lot must still hold, unspent and unheld, what the grant put in it; the debt it
      // repaid comes back. Together that must fit in what the account has available.
      const lot = this.#lot(original.account, original.grantLot ?? "");
      const back = original.amount - original.repaid;
      const free = this.#freeOn(lot);
      if (back > free) return insufficient(back, free);
      const { availableMinor } = this.#balance(original.account, original.unit);
      if (original.amount > availableMinor) return insufficient(original.amount, availableMinor);
      lot.remaining -= back;
      account.debt.set(original.unit, (account.debt.get(original.unit) ?? 0n) + original.repaid);
      amount = original.amount;
    } else {
      amount = original.amount - original.refunded;
      if (amount === 0n) return { ok: false, code: "refund_exceeds_charge", availableMinor: 0n };
      this.#giveBack(original, amount);
    }
    original.reversed = true;
    const transaction = this.#record(original.account, "reversal", original.unit, amount);
    return this.#ok(original.account, original.unit, { amountMinor: amount, transactionId: transaction.id });
  }

  /**
   * Returns `amount` of a draw where it came from, last-drawn first: to its lot (which
   * expires at once if its time has passed), or against the debt it created; debt that was
   * repaid meanwhile comes back as a new refund lot.
   */
  #giveBack(original: Transaction, amount: bigint): void {
    const account = this.#account(original.account);
    let left = amount;
    for (const portion of [...original.portions].reverse()) {
      const take = min(portion.drawn - portion.returned, left);
      if (take <= 0n) continue;
      portion.returned += take;
      left -= take;
      if (portion.target !== "debt") {
        this.#lot(original.account, portion.target).remaining += take;
        if (original.portions.some((other) => other.target === "debt" && other.returned > 0n)) {
          this.#note("refund past returned debt");
        }
        continue;
      }
      const debt = account.debt.get(original.unit) ?? 0n;
      const forgiven = min(take, debt);
      account.debt.set(original.unit, debt - forgiven);
      if (forgiven > 0n) this.#note("refund forgives debt");
      if (take > forgiven) {
        this.#note("refund of repaid debt as a new lot");
        this.#addLot(original.account, {
          unit: original.unit,
          source: "refund",
          priority: this.config.priorities.refund,
          expiresAt: null,
          amount: take - forgiven,
          repay: false,
        });
      }
    }
    if (left !== 0n) throw new Error("model: a refund found nothing to return to");
    original.refunded += amount;
  }

  /** Draws from free parts of spendable lots in spend order; returns what is left undrawn. */
  #drawFree(transaction: Transaction, amount: bigint): bigint {
    let left = amount;
    for (const lot of this.#spendable(transaction.account, transaction.unit)) {
      const take = min(this.#freeOn(lot), left);
      this.#takeFromLot(transaction, lot, take);
      left -= take;
    }
    return left;
  }

  #takeFromLot(transaction: Transaction, lot: Lot, amount: bigint): void {
    if (amount <= 0n) return;
    lot.remaining -= amount;
    addPortion(transaction, lot.id, amount);
  }

  #addLot(
    account: string,
    fields: {
      unit: string;
      source: Source;
      priority: number;
      expiresAt: number | null;
      amount: bigint;
      repay?: boolean;
    },
  ): { lot: Lot; repaid: bigint } {
    const state = this.#account(account);
    const lot: Lot = {
      id: this.#id("lot"),
      sequence: this.#sequence,
      unit: fields.unit,
      source: fields.source,
      priority: fields.priority,
      expiresAt: fields.expiresAt,
      createdAt: this.now,
      remaining: fields.amount,
    };
    state.lots.push(lot);
    let repaid = 0n;
    if (fields.repay ?? true) {
      const debt = state.debt.get(fields.unit) ?? 0n;
      repaid = min(debt, lot.remaining);
      if (repaid > 0n) this.#note("grant repays debt");
      lot.remaining -= repaid;
      state.debt.set(fields.unit, debt - repaid);
    }
    return { lot, repaid };
  }

  /** Lets holds past their expiry go, then expires what lots past theirs still have free. */
  #expire(): void {
    for (const hold of this.holds.values()) {
      if (hold.status === "active" && hold.expiresAt <= this.now) hold.status = "expired";
    }
    for (const account of this.accounts.values()) {
      for (const lot of account.lots) {
        if (lot.expiresAt === null || lot.expiresAt > this.now) continue;
        const held = this.#heldOn(lot);
        if (held > 0n && lot.remaining > held) this.#note("lot expires while partly held");
        lot.remaining = held;
      }
    }
  }

  #account(key: string): Account {
    let account = this.accounts.get(key);
    if (!account) {
      const kind: AccountKind = key.startsWith("guest:") ? "guest" : "user";
      account = { kind, lots: [], debt: new Map(), keys: new Map() };
      this.accounts.set(key, account);
      const signup = this.config.signup;
      if (kind === "user" && signup) {
        this.#addLot(key, {
          unit: signup.unit,
          source: "signup",
          priority: this.config.priorities.signup,
          expiresAt: signup.expiresInMs === null ? null : this.now + signup.expiresInMs,
          amount: signup.amountMinor,
        });
      }
    }
    return account;
  }

  #scopeOf(op: ModelOp): string | null {
    switch (op.kind) {
      case "settle":
      case "release":
        return this.holds.get(op.hold)?.account ?? null;
      case "refund":
      case "reverse":
        return this.transactions.get(op.transaction)?.account ?? null;
      default:
        this.#account(op.account);
        return op.account;
    }
  }

  #balance(account: string, unit: string) {
    const state = this.#account(account);
    let balanceMinor = -(state.debt.get(unit) ?? 0n);
    for (const lot of state.lots) if (lot.unit === unit) balanceMinor += lot.remaining;
    let heldMinor = 0n;
    for (const hold of this.holds.values()) {
      if (hold.account === account && hold.unit === unit && hold.status === "active") heldMinor += hold.amount;
    }
    return { balanceMinor, heldMinor, availableMinor: balanceMinor - heldMinor };
  }

  #heldOn(lot: Lot): bigint {
    let held = 0n;
    for (const hold of this.holds.values()) {
      if (hold.status !== "active") continue;
      for (const allocation of hold.allocations) if (allocation.lot === lot.id) held += allocation.amount;
    }
    return held;
  }

  #freeOn(lot: Lot): bigint {
    return lot.remaining - this.#heldOn(lot);
  }

  #spendable(account: string, unit: string): Lot[] {
    const lots = this.#account(account).lots.filter(
      (lot) => lot.unit === unit && (lot.expiresAt === null || lot.expiresAt > this.now) && this.#freeOn(lot) > 0n,
    );
    return this.#spendOrder(lots);
  }

  /** Priority, then soonest expiry (none last), then oldest; creation order breaks ties. */
  #spendOrder(lots: Lot[]): Lot[] {
    const expiry = (lot: Lot) => lot.expiresAt ?? Number.POSITIVE_INFINITY;
    return [...lots].sort(
      (a, b) =>
        a.priority - b.priority || expiry(a) - expiry(b) || a.createdAt - b.createdAt || a.sequence - b.sequence,
    );
  }

  #lot(account: string, id: string): Lot {
    const lot = this.#account(account).lots.find((candidate) => candidate.id === id);
    if (!lot) throw new Error(`model: no lot ${id} in ${account}`);
    return lot;
  }

  #record(account: string, kind: Transaction["kind"], unit: string, amount: bigint): Transaction {
    const transaction: Transaction = {
      id: this.#id("txn"),
      account,
      kind,
      unit,
      amount,
      portions: [],
      grantLot: null,
      repaid: 0n,
      refunded: 0n,
      reversed: false,
    };
    this.transactions.set(transaction.id, transaction);
    return transaction;
  }

  #holdOutcome(hold: Hold): ModelResult {
    return this.#ok(hold.account, hold.unit, {
      holdId: hold.id,
      amountMinor: hold.amount,
      status: hold.status,
      expiresAt: hold.expiresAt,
    });
  }

  /** A success, with the account's balance as it stands once the operation is done. */
  #ok(
    account: string,
    unit: string,
    fields: Omit<ModelOutcome, "unit" | "balanceMinor" | "heldMinor" | "availableMinor">,
  ) {
    this.#expire();
    return { ok: true as const, replayed: false, value: { unit, ...fields, ...this.#balance(account, unit) } };
  }

  #validAmount(amount: bigint, options: { zero?: boolean } = {}): boolean {
    return amount >= (options.zero ? 0n : 1n) && amount <= this.config.amountMinorMax;
  }

  #note(event: string): void {
    this.events.set(event, (this.events.get(event) ?? 0) + 1);
  }

  #id(prefix: string): string {
    return `model_${prefix}_${++this.#sequence}`;
  }
}

function holdClosed(hold: Hold | undefined): ModelResult | null {
  if (!hold) return null;
  switch (hold.status) {
    case "active":
      return null;
    case "settled":
      return failure("hold_already_settled");
    case "released":
      return failure("hold_already_released");
    case "expired":
      return failure("hold_expired");
  }
}

function addPortion(transaction: Transaction, target: string, amount: bigint): void {
  const portion = transaction.portions.find((candidate) => candidate.target === target);
  if (portion) portion.drawn += amount;
  else transaction.portions.push({ target, drawn: amount, returned: 0n });
}

function failure(code: string): ModelResult {
  return { ok: false, code };
}

function insufficient(required: bigint, available: bigint): ModelResult {
  return { ok: false, code: "insufficient_credits", requiredMinor: required, availableMinor: max(available, 0n) };
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
