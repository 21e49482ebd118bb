import type { Mutant } from "./mutant.ts";

/**
 * An idempotency replay that applies the operation again: the ledger forgets the keys of
 * earlier batches, so the same key sent again (a retry that the HTTP layer did not answer from
 * its own store: another caller, a lost response) charges or grants a second time.
 */
export const REPLAY_APPLIES_AGAIN: Mutant = {
  name: "replay-applies-again",
  defect: "an operation sent again with its Idempotency-Key is applied again",
  module: "packages/store/src/apply-batch-items.ts",
  replacements: [
    {
      find: "(batch.newKeys.get(keyId) ?? storedKeys.get(keyId))",
      replace: "batch.newKeys.get(keyId)",
    },
    // Its key is already stored: inserting it again would fail the batch instead of doubling it.
    {
      find: "if (!result.ok || known === null || keyId === null) return result;",
      replace: "if (!result.ok || known === null || keyId === null || storedKeys.has(keyId)) return result;",
    },
  ],
};
