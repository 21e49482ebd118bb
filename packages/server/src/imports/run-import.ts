import {
  type AccountRef,
  AMOUNT_MINOR_MAX,
  type FailureCode,
  formatMinor,
  type GrantOutcome,
  type GrantSource,
  PAID_SOURCES,
  parseDecimalToMinor,
  type Result,
} from "@tollgate/core";
import type { Ledger } from "@tollgate/store";
import {
  IMPORT_REASON_DEFAULT,
  IMPORT_SOURCE_DEFAULT,
  type ImportRow,
  importAccountRef,
  importLedgerKey,
  importRowKeys,
} from "./import-row.ts";

export type ImportRowStatus = "applied" | "would_apply" | "already_applied" | "refused";

/** What became of one row, as `POST /v1/imports` answers it; amounts in the unit's decimals. */
export interface ImportRowResult {
  /** The row's position in the request, from 0 (as in `rows.<index>` of a 400's fields). */
  index: number;
  /** Its idempotency key: its own `key`, or the one derived from its content (see `importRowKeys`). */
  key: string;
  status: ImportRowStatus;
  /** Null when the account does not exist yet (a dry run's new account) or the row was refused. */
  accountId: string | null;
  unit: string;
  /** Null when the amount does not fit the unit's scale. */
  amount: string | null;
  /** applied, already_applied: the grant (already_applied: as it was first applied). */
  transactionId?: string;
  lotId?: string;
  balance?: string;
  available?: string;
  /** A dry run: whether the account exists (else the row would create it, with its signup grant). */
  accountExists?: boolean;
  /** A dry run: the balance in the unit the row finds, and what it would be after the row. */
  balanceBefore?: string;
  balanceAfter?: string;
  /** refused: the ledger's result code and why. */
  error?: { code: FailureCode; message: string };
}

/** A row ready for the ledger, or refused before it (nothing is created for it). */
type Prepared =
  | { index: number; key: string; ref: AccountRef; scale: number; amountMinor: bigint; grant: GrantInput }
  | { index: number; key: string; ref: AccountRef; refused: ImportRowResult };
type Ready = Extract<Prepared, { grant: GrantInput }>;

type GrantInput = Parameters<Ledger["grant"]>[0];

/** Accounts imported at once; each account's rows go one after another, in the request's order. */
const ACCOUNTS_IN_FLIGHT_MAX = 64;

/**
 * Imports balances: each row a grant to its account, idempotent per row (`importRowKeys`), a
 * refused row leaving the others be. A dry run writes nothing and says what each row would
 * do (`Ledger.previewGrants`). Rows are checked by `ImportRowSchema` first: this expects
 * valid rows with distinct keys.
 *
 * @example
 * const results = await runImport(ledger, [{ account: "user:alice", amount: "40" }], { dryRun: true });
 */
export async function runImport(
  ledger: Ledger,
  rows: readonly ImportRow[],
  options: { dryRun: boolean },
): Promise<ImportRowResult[]> {
  const keys = importRowKeys(rows);
  const now = ledger.now();
  const prepared = rows.map((row, index) => prepare(ledger, row, { index, key: keys[index] as string, now }));
  const existing = await existingAccounts(ledger, prepared);
  const ready = prepared.map((item) => refuseBeforeCreating(item, existing, now));
  return options.dryRun ? preview(ledger, ready, existing) : apply(ledger, ready);
}

function prepare(ledger: Ledger, row: ImportRow, at: { index: number; key: string; now: Date }): Prepared {
  const { index, key } = at;
  const unit = row.unit ?? ledger.config.defaultUnit;
  const ref = importAccountRef(row.account) as AccountRef;
  const refused = (code: FailureCode, message: string): Prepared => ({
    index,
    key,
    ref,
    refused: { index, key, status: "refused", accountId: null, unit, amount: null, error: { code, message } },
  });
  const found = ledger.units.get(unit);
  // Short, without the list of units: a thousand of these must fit one stored answer.
  if (!found) return refused("unit_not_found", `no unit "${unit}" in this deployment`);
  let amountMinor: bigint;
  try {
    amountMinor = parseDecimalToMinor(row.amount, found.scale);
  } catch (error) {
    return refused("invalid_amount", (error as Error).message);
  }
  if (amountMinor > AMOUNT_MINOR_MAX) {
    return refused("invalid_amount", `at most ${formatMinor(AMOUNT_MINOR_MAX, found.scale)} ${unit} per row`);
  }
  return {
    index,
    key,
    ref,
    scale: found.scale,
    amountMinor,
    grant: {
      account: ref,
      unit,
      amountMinor,
      source: (row.source ?? IMPORT_SOURCE_DEFAULT) as GrantSource,
      expiresAt: row.expiresAt === undefined ? null : new Date(row.expiresAt),
      reason: row.reason ?? IMPORT_REASON_DEFAULT,
      idempotencyKey: importLedgerKey(key),
    },
  };
}

/** The id of every account the rows name that exists now, by ref. */
async function existingAccounts(ledger: Ledger, prepared: readonly Prepared[]): Promise<Map<string, string>> {
  const existing = new Map<string, string>();
  for (const item of prepared) {
    if (existing.has(refKey(item.ref))) continue;
    // `find` for an id, which `findId` would return unchecked; `findId` (cached) for the app's ids.
    const accountId =
      "accountId" in item.ref
        ? ((await ledger.accounts.find(item.ref))?.accountId ?? null)
        : await ledger.accounts.findId(item.ref);
    if (accountId) existing.set(refKey(item.ref), accountId);
  }
  return existing;
}

/**
 * Refuses, without creating its account, a row the ledger would refuse after creating it:
 * for an account that does not exist, no earlier grant can be replayed, so the rule's answer
 * is the ledger's. For an account that exists the ledger decides (a replay comes first).
 */
function refuseBeforeCreating(item: Prepared, existing: ReadonlyMap<string, string>, now: Date): Prepared {
  if ("refused" in item || existing.has(refKey(item.ref))) return item;
  const refusal = (code: FailureCode, message: string): Prepared => ({
    ...item,
    refused: { ...rowOf(item), status: "refused", accountId: null, error: { code, message } },
  });
  if ("accountId" in item.ref) return refusal("account_not_found", `no account ${item.ref.accountId}`);
  if (item.ref.type === "guest" && PAID_SOURCES.has(item.grant.source)) {
    return refusal("guest_cannot_purchase", "guests receive free allowances only");
  }
  const { expiresAt } = item.grant;
  if (expiresAt && expiresAt.getTime() <= now.getTime()) {
    return refusal("invalid_expiry", "a grant must expire in the future");
  }
  return item;
}

async function apply(ledger: Ledger, ready: readonly Prepared[]): Promise<ImportRowResult[]> {
  const results: ImportRowResult[] = [];
  const groups = new Map<string, Ready[]>();
  for (const item of ready) {
    if ("refused" in item) {
      results[item.index] = item.refused;
      continue;
    }
    const key = refKey(item.ref);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const queue = [...groups.values()];
  const worker = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      for (const item of group) results[item.index] = resultOf(item, await ledger.grant(item.grant));
    }
  };
  await Promise.all(Array.from({ length: Math.min(ACCOUNTS_IN_FLIGHT_MAX, queue.length) }, worker));
  return results;
}

async function preview(
  ledger: Ledger,
  ready: readonly Prepared[],
  existing: ReadonlyMap<string, string>,
): Promise<ImportRowResult[]> {
  const granted = ready.filter((item): item is Ready => !("refused" in item));
  const previews = await ledger.previewGrants(granted.map((item) => item.grant));
  const results: ImportRowResult[] = [];
  for (const item of ready) {
    if ("refused" in item) results[item.index] = { ...item.refused, accountExists: existing.has(refKey(item.ref)) };
  }
  granted.forEach((item, position) => {
    const shown = previews[position];
    if (!shown) throw new Error("a previewed grant has no preview");
    const format = (minor: bigint) => formatMinor(minor, item.scale);
    const result = resultOf(item, shown.result, { dryRun: true });
    // A replay or a refusal changes nothing: the balance after is the one before.
    const afterMinor = shown.result.ok && !shown.result.replayed ? shown.result.value.balanceMinor : null;
    results[item.index] = {
      ...result,
      accountId: existing.get(refKey(item.ref)) ?? null,
      accountExists: shown.accountExists,
      balanceBefore: format(shown.balanceBeforeMinor),
      balanceAfter: format(afterMinor ?? shown.balanceBeforeMinor),
    };
  });
  return results;
}

/** What every answer about a row the ledger saw says: which row, in which unit, for how much. */
function rowOf(item: Ready) {
  return {
    index: item.index,
    key: item.key,
    unit: item.grant.unit as string,
    amount: formatMinor(item.amountMinor, item.scale),
  };
}

function resultOf(item: Ready, result: Result<GrantOutcome>, options: { dryRun?: boolean } = {}): ImportRowResult {
  const format = (minor: bigint) => formatMinor(minor, item.scale);
  const row = rowOf(item);
  if (!result.ok) {
    const message = result.details.message ?? result.code.replaceAll("_", " ");
    return { ...row, status: "refused", accountId: null, error: { code: result.code, message } };
  }
  const granted = result.value;
  const shown = { ...row, accountId: granted.accountId, transactionId: granted.transactionId, lotId: granted.lotId };
  if (result.replayed) {
    return {
      ...shown,
      status: "already_applied",
      balance: format(granted.balanceMinor),
      available: format(granted.availableMinor),
    };
  }
  if (options.dryRun) return { ...row, status: "would_apply", accountId: null };
  return {
    ...shown,
    status: "applied",
    balance: format(granted.balanceMinor),
    available: format(granted.availableMinor),
  };
}

/** One key per account a ref names as written. */
const refKey = (ref: AccountRef) => ("accountId" in ref ? ref.accountId : `${ref.type}\u0000${ref.externalId}`);
