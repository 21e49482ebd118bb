import type { BalanceJson } from "./balance-json.ts";
import type { BalanceStatus } from "./balance-subscription.ts";

/** The live balance every component under one provider shares. */
export interface LiveBalances {
  status: BalanceStatus;
  balances: BalanceJson[] | null;
  error: Error | null;
  /** Counts the balance events received: hooks that read more than the balance re-read on it. */
  version: number;
}

export const INITIAL_LIVE_BALANCES: LiveBalances = Object.freeze({
  status: "connecting",
  balances: null,
  error: null,
  version: 0,
});

type Update = (change: (now: LiveBalances) => LiveBalances) => void;

interface Source {
  live: LiveBalances;
  listeners: Set<(live: LiveBalances) => void>;
  stop: () => void;
}

const sources = new Map<string, Source>();

/**
 * Watches a live balance, sharing one stream among every watcher of the same `key` (a page
 * with two widgets, or two providers for one account, holds one of the token's few streams,
 * not two). `start` opens the stream and reports through `update`; it is stopped when the last
 * watcher leaves. A null key is never shared (a provider given its own client).
 */
export function watchBalance(
  key: string | null,
  start: (update: Update) => () => void,
  listener: (live: LiveBalances) => void,
): () => void {
  let source = key === null ? undefined : sources.get(key);
  if (!source) {
    const created: Source = { live: INITIAL_LIVE_BALANCES, listeners: new Set(), stop: () => {} };
    if (key !== null) sources.set(key, created);
    created.stop = start((change) => {
      created.live = change(created.live);
      for (const notify of created.listeners) notify(created.live);
    });
    source = created;
  }
  const joined = source;
  joined.listeners.add(listener);
  listener(joined.live);
  return () => {
    joined.listeners.delete(listener);
    if (joined.listeners.size > 0) return;
    joined.stop();
    if (key !== null && sources.get(key) === joined) sources.delete(key);
  };
}
