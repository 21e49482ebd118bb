import type { Mutant } from "./mutant.ts";

/**
 * Check-then-write: the batch reads each account's balance and writes the new one without
 * holding the account's row lock, so two instances both see the same balance, both let a
 * charge through, and the later write overwrites the earlier (a lost update, an overdraft).
 */
export const BALANCE_CHECK_WITHOUT_LOCK: Mutant = {
  name: "balance-check-without-lock",
  defect: "a charge checks the balance and writes outside the account's lock",
  module: "packages/store/src/batch-new-account.ts",
  // Both forms of the batch's lock statement: accounts named by id, and with new accounts too.
  replacements: [
    {
      find: "any($1::text[]) and type <> 'system' order by account_id for no key update`",
      replace: "any($1::text[]) and type <> 'system' order by account_id`",
    },
    {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the module's template literal, matched as written
      find: "any(${BATCH_ACCOUNT_IDS_SQL}) and type <> 'system' order by account_id for no key update`",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the module's template literal, as it is rewritten
      replace: "any(${BATCH_ACCOUNT_IDS_SQL}) and type <> 'system' order by account_id`",
    },
  ],
};
