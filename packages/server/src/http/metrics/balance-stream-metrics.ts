import type { BalanceEvents } from "@tollgate/store";
import { Gauge, type Registry } from "prom-client";
import { METRICS_PREFIX } from "./metrics-registry.ts";

/**
 * `tollgate_balance_streams_open`: the live balance streams (`GET …/events`) this process holds
 * open now, read from their subscriptions when scraped. A count that keeps rising while clients
 * come and go is a stream that outlives its client: each holds a socket and a subscription.
 *
 * @example
 * balanceStreamMetrics({ registry, balanceEvents });
 */
export function balanceStreamMetrics(options: { registry: Registry; balanceEvents: BalanceEvents }): void {
  const { balanceEvents } = options;
  new Gauge({
    name: `${METRICS_PREFIX}balance_streams_open`,
    help: "Live balance streams (Server-Sent Events) open now.",
    registers: [options.registry],
    collect() {
      this.set(balanceEvents.subscriberCount);
    },
  });
}
