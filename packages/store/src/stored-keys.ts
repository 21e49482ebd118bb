/** An idempotency key already stored: the request it was first used for, and its result. */
export interface StoredKey {
  requestHash: string;
  resultJson: string;
}

/**
 * The one map key of an account's idempotency key, for the keys a batch loaded and the ones it
 * stores as it goes (NUL occurs in neither part).
 *
 * @example
 * storedKeys.get(storedKeyId(accountId, "charge-42"));
 */
export function storedKeyId(accountId: string, idempotencyKey: string): string {
  return `${accountId}\u0000${idempotencyKey}`;
}
