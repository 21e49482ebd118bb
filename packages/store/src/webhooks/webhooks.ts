import type { Ledger } from "../ledger.ts";
import type { SqlClient } from "../sql-client.ts";
import {
  type LowBalanceThreshold,
  readLowBalanceThresholds,
  type SetLowBalanceThresholdResult,
  setLowBalanceThreshold,
} from "./low-balance-thresholds.ts";
import { defineRetryPolicy, type RetryPolicy } from "./retry-policy.ts";
import {
  type CreateWebhookEndpointInput,
  createEndpoint,
  type DisableWebhookEndpointResult,
  disableEndpoint,
  endpointPage,
  getEndpoint,
  listEndpoints,
  type UpdateWebhookEndpointInput,
  type UpdateWebhookEndpointResult,
  updateEndpoint,
  type WebhookEndpointInfo,
} from "./webhook-endpoints.ts";
import type { WebhookEvent } from "./webhook-event-types.ts";
import {
  getDelivery,
  getEvent,
  listDeliveries,
  listEvents,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookPage,
} from "./webhook-log.ts";
import { purgeWebhookEvents } from "./webhook-purge.ts";
import { type AttemptOutcome, type ClaimedDelivery, claimDueDeliveries, recordAttempt } from "./webhook-queue.ts";
import { type ReplayResult, replay } from "./webhook-replay.ts";
import { boundedInteger } from "./webhook-validation.ts";

export interface WebhooksOptions {
  /** What `now` is; tests move it (the ledger's clock, with `Webhooks.of`). */
  clock?: () => Date;
  retryPolicy?: Partial<RetryPolicy>;
  /** The deployment's `balance.low` defaults per unit, to report which threshold applies. */
  lowBalanceThresholdsDefault?: ReadonlyMap<string, bigint>;
  /** [0, 1) for the retry jitter; tests fix it. */
  random?: () => number;
}

/**
 * Outgoing webhooks: the endpoints, the thresholds, the outbox the ledger's batches write
 * events to, the deliveries and their log, and the primitives a dispatcher runs on (claim
 * due deliveries, record each attempt). Safe on any number of instances at once.
 *
 * @example
 * const webhooks = Webhooks.of(ledger);
 * const { endpoint, secret } = await webhooks.createEndpoint({ url: "https://app.example.com/hooks", eventTypes: ["balance.low"] });
 * await webhooks.setLowBalanceThreshold({ accountId, unit: "credits", thresholdMinor: 100n });
 * await webhooks.replay("evt_0193…");
 */
export class Webhooks {
  readonly retryPolicy: RetryPolicy;
  readonly #clock: () => Date;
  readonly #defaults: ReadonlyMap<string, bigint>;
  readonly #random: (() => number) | undefined;

  constructor(
    readonly sql: SqlClient,
    options: WebhooksOptions = {},
  ) {
    this.#clock = options.clock ?? (() => new Date());
    this.retryPolicy = defineRetryPolicy(options.retryPolicy);
    this.#defaults = options.lowBalanceThresholdsDefault ?? new Map();
    this.#random = options.random;
  }

  /** The webhooks of a ledger: its database, its clock and its default thresholds. */
  static of(ledger: Ledger, options: Omit<WebhooksOptions, "clock" | "lowBalanceThresholdsDefault"> = {}): Webhooks {
    return new Webhooks(ledger.sql, {
      ...options,
      clock: () => ledger.now(),
      lowBalanceThresholdsDefault: ledger.lowBalanceThresholdsDefault,
    });
  }

  now(): Date {
    return this.#clock();
  }

  /** Registers an endpoint; `secret` is returned here and never again. */
  createEndpoint(input: CreateWebhookEndpointInput): Promise<{ endpoint: WebhookEndpointInfo; secret: string }> {
    return createEndpoint(this.sql, input, this.#clock());
  }

  listEndpoints(options: { includeDisabled?: boolean; limit?: number } = {}): Promise<WebhookEndpointInfo[]> {
    return listEndpoints(this.sql, options);
  }

  /** Endpoints in creation order, a page at a time (`after`: the previous page's `nextCursor`). */
  endpointPage(
    options: { includeDisabled?: boolean; limit?: number; after?: string | null } = {},
  ): Promise<WebhookPage<WebhookEndpointInfo>> {
    return endpointPage(this.sql, options);
  }

  getEndpoint(endpointId: string): Promise<WebhookEndpointInfo | null> {
    return getEndpoint(this.sql, endpointId);
  }

  /** Changes an enabled endpoint's URL, event types or description; a field left out stays. */
  updateEndpoint(endpointId: string, input: UpdateWebhookEndpointInput): Promise<UpdateWebhookEndpointResult> {
    return updateEndpoint(this.sql, endpointId, input);
  }

  /** Stops sending to an endpoint for good; its pending deliveries fail. */
  disableEndpoint(endpointId: string): Promise<DisableWebhookEndpointResult> {
    return disableEndpoint(this.sql, endpointId, this.#clock());
  }

  /** Sets an account's own `balance.low` threshold in a unit (0: off; null: back to the default). */
  setLowBalanceThreshold(input: {
    accountId: string;
    unit: string;
    thresholdMinor: bigint | null;
  }): Promise<SetLowBalanceThresholdResult> {
    return setLowBalanceThreshold(this.sql, { ...input, now: this.#clock() }, this.#defaults);
  }

  lowBalanceThresholds(accountId: string): Promise<LowBalanceThreshold[]> {
    return readLowBalanceThresholds(this.sql, accountId, this.#defaults);
  }

  listEvents(
    options: { accountId?: string; type?: string; limit?: number; before?: string | null } = {},
  ): Promise<WebhookPage<WebhookEvent>> {
    return listEvents(this.sql, options);
  }

  getEvent(eventId: string): Promise<WebhookEvent | null> {
    return getEvent(this.sql, eventId);
  }

  listDeliveries(
    options: { eventId?: string; endpointId?: string; status?: string; limit?: number; before?: string | null } = {},
  ): Promise<WebhookPage<WebhookDelivery>> {
    return listDeliveries(this.sql, options);
  }

  /** A delivery and its log of attempts. */
  getDelivery(deliveryId: string): Promise<(WebhookDelivery & { log: WebhookAttempt[] }) | null> {
    return getDelivery(this.sql, deliveryId);
  }

  /** Sends an event again as new deliveries: `evt_…` to every matching endpoint, `wd_…` to its endpoint. */
  replay(id: string): Promise<ReplayResult> {
    return replay(this.sql, id, this.#clock());
  }

  /**
   * Deletes up to `limit` events older than `before` whose deliveries are all finished
   * before it, with their deliveries and logs; returns how many (see `purgeWebhookEvents`).
   */
  purgeFinished(before: Date, limit: number): Promise<number> {
    return purgeWebhookEvents(this.sql, before, limit);
  }

  /** The dispatcher's first step: due deliveries, each leased for `leaseMs` (see `claimDueDeliveries`). */
  claimDue(options: { limit: number; leaseMs: number }): Promise<ClaimedDelivery[]> {
    boundedInteger("limit", options.limit, 1, 1000);
    boundedInteger("leaseMs", options.leaseMs, 1000, 3_600_000);
    return claimDueDeliveries(this.sql, { ...options, now: this.#clock() });
  }

  /** The dispatcher's second step: log the attempt, then succeed, retry later, or fail the delivery. */
  recordAttempt(claimed: ClaimedDelivery, outcome: AttemptOutcome) {
    return recordAttempt(this.sql, claimed, outcome, {
      now: this.#clock(),
      policy: this.retryPolicy,
      ...(this.#random ? { random: this.#random } : {}),
    });
  }
}
