/** Keys Tollgate makes for itself start with this; an app's keys may not, so the two never collide. */
export const RESERVED_KEY_PREFIX = "tollgate:";

export const IDEMPOTENCY_KEY_LENGTH_MAX = 255;

/** The key of the n-th signup grant, made in the transaction that creates the account. */
export const signupGrantKey = (index: number): string => `${RESERVED_KEY_PREFIX}signup:${index}`;

/** An app's idempotency key: 1 to 255 characters, not in Tollgate's reserved namespace. */
export function assertAppKey(key: string): void {
  if (typeof key !== "string" || key.length === 0 || key.length > IDEMPOTENCY_KEY_LENGTH_MAX) {
    throw new RangeError(`idempotencyKey must be a string of 1 to ${IDEMPOTENCY_KEY_LENGTH_MAX} characters`);
  }
  if (key.startsWith(RESERVED_KEY_PREFIX)) {
    throw new RangeError(`idempotency keys starting with "${RESERVED_KEY_PREFIX}" are reserved for Tollgate itself`);
  }
}
