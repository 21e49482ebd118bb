/**
 * Ids are a type prefix and a time-ordered UUIDv7 (`acct_0192…`), so a log line says what
 * it names and ids sort by creation. The core receives a generator: it does no I/O.
 */
export const ID_PREFIXES = {
  account: "acct",
  usageEvent: "use",
  lot: "lot",
  hold: "hold",
  transaction: "txn",
  /** An account's subscription to a plan; a new one each time the account subscribes. */
  subscription: "sub",
  /** An API key's public id, safe in lists and logs; never the token. */
  apiKey: "key",
  /** An outgoing webhook event (the outbox row), what the app receives as `id`. */
  webhookEvent: "evt",
  /** A URL outgoing webhooks are sent to. */
  webhookEndpoint: "we",
  /** One event sent to one endpoint, with its attempts. */
  webhookDelivery: "wd",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

export type IdGenerator = (kind: IdKind) => string;

/** System accounts have fixed, readable ids; they balance every customer entry. */
export const SYSTEM_ACCOUNTS = {
  /** Source of every grant. */
  issuance: "system:issuance",
  /** Destination of every charge and settlement. */
  consumption: "system:consumption",
  /** Destination of credits that expired unused. */
  expiry: "system:expiry",
  /** Destination of admin deductions. */
  adjustment: "system:adjustment",
} as const;

export type SystemAccountId = (typeof SYSTEM_ACCOUNTS)[keyof typeof SYSTEM_ACCOUNTS];
