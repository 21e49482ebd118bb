import {
  ACCOUNT_TYPES,
  type Account,
  type AccountRef,
  type AccountType,
  type IdGenerator,
  type LedgerConfig,
  type Unit,
} from "@tollgate/core";
import { requestHash } from "./codec.ts";
import { signupGrantKey } from "./idempotency-keys.ts";
import { type BatchItem, processBatch } from "./process-batch.ts";
import { type AccountDbRow, toAccount } from "./rows.ts";
import type { SqlClient } from "./sql-client.ts";

/** The longest external id an account may have (the app's own id for it). */
export const EXTERNAL_ID_LENGTH_MAX = 256;
/** Ids resolved per process; they never change once created, so the cache cannot go stale. */
const CACHE_SIZE_MAX = 100_000;

/**
 * Finds accounts by the app's own ids and creates them on first use. Creation and the
 * deployment's signup grant happen in one transaction, so an account never exists without
 * the credits it was promised: no account ever reads as an uninitialized zero.
 */
export class AccountDirectory {
  readonly #ids = new Map<string, string>();

  constructor(
    private readonly sql: SqlClient,
    private readonly env: {
      config: LedgerConfig;
      units: ReadonlyMap<string, Unit>;
      newId: IdGenerator;
      clock: () => Date;
    },
  ) {}

  /** The account's id, creating the account (with its signup grant) if it does not exist. */
  async ensureId(ref: AccountRef): Promise<string> {
    if ("accountId" in ref) return ref.accountId;
    return this.#cached(ref) ?? (await this.#find(ref))?.accountId ?? (await this.#create(ref)).accountId;
  }

  async ensure(ref: { type: AccountType; externalId: string }): Promise<Account> {
    return (await this.#find(ref)) ?? (await this.#create(ref));
  }

  /** The account's id if it exists; never creates. */
  async findId(ref: AccountRef): Promise<string | null> {
    if ("accountId" in ref) return ref.accountId;
    return this.#cached(ref) ?? (await this.#find(ref))?.accountId ?? null;
  }

  async find(ref: AccountRef): Promise<Account | null> {
    if ("accountId" in ref) {
      const [row] = await this.sql.query<AccountDbRow>(
        "select * from accounts where account_id = $1 and type <> 'system'",
        [ref.accountId],
      );
      return row ? toAccount(row) : null;
    }
    return this.#find(ref);
  }

  #cached(ref: { type: AccountType; externalId: string }): string | undefined {
    assertExternalRef(ref);
    return this.#ids.get(`${ref.type}\u0000${ref.externalId}`);
  }

  #remember(account: Account): Account {
    if (this.#ids.size >= CACHE_SIZE_MAX) this.#ids.clear();
    this.#ids.set(`${account.type}\u0000${account.externalId}`, account.accountId);
    return account;
  }

  async #find(ref: { type: AccountType; externalId: string }): Promise<Account | null> {
    assertExternalRef(ref);
    const [row] = await this.sql.query<AccountDbRow>("select * from accounts where type = $1 and external_id = $2", [
      ref.type,
      ref.externalId,
    ]);
    return row ? this.#remember(toAccount(row)) : null;
  }

  async #create(ref: { type: AccountType; externalId: string }): Promise<Account> {
    const { config, newId, clock } = this.env;
    const account = await this.sql.transaction(async (tx) => {
      const now = clock();
      const [inserted] = await tx.query<AccountDbRow>(
        `insert into accounts (account_id, type, external_id, overdraft_limit_minor, created_at)
         values ($1, $2, $3, $4, $5) on conflict (type, external_id) do nothing returning *`,
        [newId("account"), ref.type, ref.externalId, config.overdraftLimitMinorDefault.toString(), now.toISOString()],
      );
      if (!inserted) {
        // Another process created it first; its transaction made the signup grant.
        const [existing] = await tx.query<AccountDbRow>("select * from accounts where type = $1 and external_id = $2", [
          ref.type,
          ref.externalId,
        ]);
        if (!existing) throw new Error(`account ${ref.type}/${ref.externalId} vanished while being created`);
        return toAccount(existing);
      }
      const created = toAccount(inserted);
      const items: BatchItem[] = config.signupGrants[ref.type].map((grant, index) => {
        const op = {
          kind: "grant" as const,
          account: { accountId: created.accountId },
          unit: grant.unit,
          amountMinor: grant.amountMinor,
          source: "signup" as const,
          expiresAt: grant.expiresInMs === null ? null : new Date(now.getTime() + grant.expiresInMs),
          idempotencyKey: signupGrantKey(index),
        };
        return {
          type: "operation",
          resolved: { op, accountId: created.accountId, memberAccountId: null },
          requestHash: requestHash(op),
        };
      });
      if (items.length > 0) {
        const results = await processBatch(tx, { ...this.env, now }, items);
        const failed = results.find((result) => result && !result.ok);
        if (failed && !failed.ok) throw new Error(`the signup grant failed: ${failed.code}`);
      }
      return created;
    });
    return this.#remember(account);
  }
}

function assertExternalRef(ref: { type: AccountType; externalId: string }): void {
  if (!(ACCOUNT_TYPES as readonly string[]).includes(ref.type)) {
    throw new RangeError(`account type must be one of ${ACCOUNT_TYPES.join(", ")}; got "${ref.type}"`);
  }
  if (
    typeof ref.externalId !== "string" ||
    ref.externalId.length === 0 ||
    ref.externalId.length > EXTERNAL_ID_LENGTH_MAX
  ) {
    throw new RangeError(`externalId must be a string of 1 to ${EXTERNAL_ID_LENGTH_MAX} characters`);
  }
}
