import type { BalanceJson } from "./balance-json.ts";
import { type BackoffOptions, DEFAULT_BACKOFF, reconnectDelayMs } from "./reconnect-delay.ts";
import { createSseParser } from "./sse-parser.ts";
import { accountPath, type TollgateApi, TollgateApiError } from "./tollgate-api.ts";

/** Where a live balance stands: connecting (or reconnecting), live, or given up on. */
export type BalanceStatus = "connecting" | "live" | "reconnecting" | "failed";

export interface BalanceSubscriptionOptions {
  api: Pick<TollgateApi, "stream">;
  account: string;
  onBalances(balances: BalanceJson[]): void;
  onStatus(status: BalanceStatus, error: Error | null): void;
  backoff?: BackoffOptions;
  /** Waits before a reconnect; tests pass one that records the delay and resolves at once. */
  sleep?: (delayMs: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

/**
 * Follows `GET /v1/accounts/{account}/events` for as long as it is not stopped: each `balance`
 * event is the account's balances in full, and every new stream starts with one, so nothing is
 * replayed after a reconnect and `Last-Event-ID` is not sent (the server numbers each stream's
 * events from 1 and does not read it). A stream that ends or fails is reopened after an
 * exponential backoff, reset once a stream delivers; an answer that will not change by
 * retrying (401: the token was revoked or expired; 403; 404) stops it with status `failed`.
 *
 * @example
 * const stop = subscribeBalance({ api, account: "user:alice", onBalances: render, onStatus: show });
 */
export function subscribeBalance(options: BalanceSubscriptionOptions): () => void {
  const controller = new AbortController();
  const { signal } = controller;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const sleep = options.sleep ?? abortableSleep;
  void (async () => {
    let attempt = 0;
    while (!signal.aborted) {
      options.onStatus(attempt === 0 ? "connecting" : "reconnecting", null);
      let lastError: Error | null = null;
      try {
        const response = await options.api.stream(accountPath(options.account, "/events"), { signal });
        await readEvents(response, signal, (balances) => {
          attempt = 0;
          options.onStatus("live", null);
          options.onBalances(balances);
        });
      } catch (error) {
        if (signal.aborted) return;
        lastError = error as Error;
        if (error instanceof TollgateApiError && !error.retryable) {
          options.onStatus("failed", error);
          return;
        }
      }
      if (signal.aborted) return;
      options.onStatus("reconnecting", lastError);
      await sleep(reconnectDelayMs(attempt, backoff, options.random), signal);
      attempt += 1;
    }
  })();
  return () => controller.abort();
}

/** Reads the stream's `balance` events until it ends (the server ends each after an hour). */
async function readEvents(response: Response, signal: AbortSignal, onBalances: (balances: BalanceJson[]) => void) {
  if (!response.body) throw new Error("the events stream has no body");
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser();
  const cancel = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", cancel);
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      for (const event of parser.push(decoder.decode(chunk.value, { stream: true }))) {
        if (event.event === "balance") onBalances(JSON.parse(event.data) as BalanceJson[]);
      }
    }
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}

function abortableSleep(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, delayMs);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
