import type { Account, AccountRef, AccountType, IdGenerator, LedgerConfig, Unit } from "@tollgate/core";
import { newAccountKey } from "./batch-new-account.ts";
import { assertExternalRef, createAccountIn } from "./create-account.ts";
import { type AccountsPage, type ListAccountsOptions, listAccounts } from "./list-accounts.ts";
import type { DefaultPlans } from "./plans/default-plans.ts";
import { type AccountDbRow, toAccount } from "./rows.ts";
import type { SqlClient } from "./sql-client.ts";

/** Ids resolved per process; they never change once created, so the cache cannot go stale. */
const CACHE_SIZE_MAX = 100_000;

/**
 * Finds accounts by the app's own ids and creates them on first use. Creation, the
 * deployment's signup grant and the default plan's subscription happen in one transaction, so an account never exists without
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
      /** Each new account of a type with a default plan is subscribed to it as it is created. */
      defaultPlans?: DefaultPlans;
    },
  ) {}

  /** The account's id, creating the account (with its signup grant) if it does not exist. */
  async ensureId(ref: AccountRef): Promise<string> {
    if ("accountId" in ref) return ref.accountId;
    return this.#cached(ref) ?? (await this.#find(ref))?.accountId ?? (await this.#create(ref)).account.accountId;
  }

  async ensure(ref: { type: AccountType; externalId: string }): Promise<Account> {
    return (await this.upsert(ref)).account;
  }

  /** The account, and whether this call created it (with its signup grant). */
  async upsert(ref: { type: AccountType; externalId: string }): Promise<{ account: Account; created: boolean }> {
    const found = await this.#find(ref);
    return found ? { account: found, created: false } : await this.#create(ref);
  }

  /** Remembers the id of an account a batch created, so the next write finds it without a read. */
  learn(ref: { type: AccountType; externalId: string }, accountId: string): void {
    if (this.#ids.size >= CACHE_SIZE_MAX) this.#ids.clear();
    this.#ids.set(newAccountKey(ref), accountId);
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

  /** Customer accounts a page at a time, by type or external id prefix (list-accounts.ts). */
  list(options: ListAccountsOptions = {}): Promise<AccountsPage> {
    return listAccounts(this.sql, options);
  }

  #cached(ref: { type: AccountType; externalId: string }): string | undefined {
    assertExternalRef(ref);
    return this.#ids.get(newAccountKey(ref));
  }

  #remember(account: Account): Account {
    if (this.#ids.size >= CACHE_SIZE_MAX) this.#ids.clear();
    this.#ids.set(newAccountKey(account), account.accountId);
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

  async #create(ref: { type: AccountType; externalId: string }): Promise<{ account: Account; created: boolean }> {
    const outcome = await this.sql.transaction((tx) => createAccountIn(tx, this.env, ref, this.env.clock()));
    this.#remember(outcome.account);
    return outcome;
  }
}
