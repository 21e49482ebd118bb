import { type Failure, fail, type Success } from "./result-codes.ts";

/** An idempotency key already used: the request it was first used for, and what that returned. */
export interface EarlierAttempt<T> {
  requestHash: string;
  /** The stored result, decoded only when it is replayed (a conflict never reads it). */
  result: () => Success<T>;
}

/**
 * What an operation whose idempotency key was used before returns, decided before any other
 * rule (`idempotency_conflict` comes first in FAILURE_CODES), as TigerBeetle's state machine
 * decides `exists` and `exists_with_different_*`: the same request gets the first result back,
 * marked `replayed` and with nothing applied again; a different request under the same key is
 * refused.
 *
 * @example
 * replayOrConflict({ requestHash: "a", result: () => first }, "a"); // { ...first, replayed: true }
 * replayOrConflict({ requestHash: "a", result: () => first }, "b"); // fail("idempotency_conflict")
 */
export function replayOrConflict<T>(earlier: EarlierAttempt<T>, requestHash: string): Success<T> | Failure {
  if (earlier.requestHash !== requestHash) {
    return fail("idempotency_conflict", { message: "this idempotency key was used with a different request" });
  }
  return { ...earlier.result(), replayed: true };
}
