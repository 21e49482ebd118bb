/**
 * A reservation whose write may have committed though its answer never came: the connection
 * dropped between the commit and the reply (a failover, a terminated backend). The key may now
 * be held, in progress, by a request that has already failed; left alone it would answer every
 * retry 409 `idempotency_in_progress` until its lock ran out, a minute. It carries the lock
 * token that write used, so the caller can release the key (a release with a token that holds
 * nothing changes nothing). Its `cause` is the database's error, so `isDatabaseUnavailable`
 * still says what it is and the request is answered 503 like any other.
 *
 * @example
 * try { await store.reserve(input); } catch (error) {
 *   if (error instanceof ReservationInDoubt) releaseLater(error.held);
 *   throw error;
 * }
 */
export class ReservationInDoubt extends Error {
  constructor(
    readonly held: { scope: string; key: string; lockToken: string },
    cause: unknown,
  ) {
    super("the database dropped the connection before it confirmed the Idempotency-Key reservation", { cause });
    this.name = "ReservationInDoubt";
  }
}
