// The live balance's reconnect logic, without a browser or a server: streams are Responses this
// test writes to, waits are recorded instead of slept, so nothing here depends on a clock.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BalanceJson } from "./balance-json.ts";
import { type BalanceStatus, subscribeBalance } from "./balance-subscription.ts";
import { TollgateApiError } from "./tollgate-api.ts";

const BACKOFF = { baseMs: 100, maxMs: 1_000 };
const balanceEvent = (balance: string) =>
  `event: balance\nid: 1\ndata: ${JSON.stringify([{ unit: "credits", balance, held: "0", available: balance, debt: "0" }])}\n\n`;

/** A stream response the test writes to and ends. */
function openStream() {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(opened) {
      controller = opened;
    },
  });
  return {
    response: new Response(body, { headers: { "Content-Type": "text/event-stream" } }),
    write: (text: string) => controller?.enqueue(new TextEncoder().encode(text)),
    end: () => controller?.close(),
  };
}

/** Resolves when `condition` holds, checked after each thing the subscription reports. */
function recorder() {
  const statuses: BalanceStatus[] = [];
  const balances: string[] = [];
  const waiters: Array<() => void> = [];
  const changed = () => {
    for (const wake of waiters.splice(0)) wake();
  };
  return {
    statuses,
    balances,
    onBalances: (rows: BalanceJson[]) => {
      balances.push(rows[0]?.balance ?? "none");
      changed();
    },
    onStatus: (status: BalanceStatus) => {
      statuses.push(status);
      changed();
    },
    changed,
    async until(condition: () => boolean): Promise<void> {
      while (!condition()) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

describe("subscribeBalance", () => {
  test("delivers each balance event and reconnects when the server ends the stream", async () => {
    const seen = recorder();
    const streams: Array<ReturnType<typeof openStream>> = [];
    const delays: number[] = [];
    const stop = subscribeBalance({
      api: {
        stream: async () => {
          const stream = openStream();
          streams.push(stream);
          seen.changed();
          return stream.response;
        },
      },
      account: "user:alice",
      backoff: BACKOFF,
      random: () => 1,
      sleep: async (delayMs) => void delays.push(delayMs),
      onBalances: seen.onBalances,
      onStatus: seen.onStatus,
    });
    await seen.until(() => streams.length === 1);
    streams[0]?.write(balanceEvent("100"));
    // Split mid-line: a network read may end anywhere.
    const next = balanceEvent("90");
    streams[0]?.write(next.slice(0, 20));
    streams[0]?.write(next.slice(20));
    await seen.until(() => seen.balances.length === 2);
    streams[0]?.end();
    await seen.until(() => streams.length === 2);
    streams[1]?.write(balanceEvent("80"));
    await seen.until(() => seen.balances.length === 3);
    stop();
    assert.deepEqual(seen.balances, ["100", "90", "80"]);
    // A stream that had delivered resets the backoff: the first wait is the base delay.
    assert.deepEqual(delays, [100]);
    assert.deepEqual(seen.statuses, ["connecting", "live", "live", "reconnecting", "reconnecting", "live"]);
  });

  test("backs off exponentially, capped, while the server cannot be reached", async () => {
    const seen = recorder();
    const delays: number[] = [];
    let connects = 0;
    let stop = () => {};
    stop = subscribeBalance({
      api: {
        stream: async () => {
          connects += 1;
          if (connects === 7) {
            stop();
            seen.changed();
          }
          throw new TypeError("fetch failed");
        },
      },
      account: "user:alice",
      backoff: BACKOFF,
      random: () => 1,
      sleep: async (delayMs) => void delays.push(delayMs),
      onBalances: seen.onBalances,
      onStatus: seen.onStatus,
    });
    await seen.until(() => connects === 7);
    assert.deepEqual(delays, [100, 200, 400, 800, 1_000, 1_000]);
    assert.equal(seen.statuses.includes("failed"), false);
  });

  test("a revoked token (401) stops it: retrying cannot help", async () => {
    const seen = recorder();
    let connects = 0;
    subscribeBalance({
      api: {
        stream: async () => {
          connects += 1;
          throw new TollgateApiError("Send a valid key", 401, "unauthenticated", "req_1");
        },
      },
      account: "user:alice",
      backoff: BACKOFF,
      sleep: async () => {},
      onBalances: seen.onBalances,
      onStatus: seen.onStatus,
    });
    await seen.until(() => seen.statuses.includes("failed"));
    assert.equal(connects, 1);
    assert.deepEqual(seen.statuses, ["connecting", "failed"]);
  });

  test("a busy server (503) is retried", async () => {
    const seen = recorder();
    let connects = 0;
    let stop = () => {};
    stop = subscribeBalance({
      api: {
        stream: async () => {
          connects += 1;
          if (connects === 2) {
            const stream = openStream();
            stream.write(balanceEvent("5"));
            return stream.response;
          }
          throw new TollgateApiError("busy", 503, "unavailable", null);
        },
      },
      account: "user:alice",
      backoff: BACKOFF,
      sleep: async () => {},
      onBalances: seen.onBalances,
      onStatus: seen.onStatus,
    });
    await seen.until(() => seen.balances.length === 1);
    stop();
    assert.equal(connects, 2);
    assert.deepEqual(seen.balances, ["5"]);
  });

  test("stop() cancels the open stream and opens no other", async () => {
    const seen = recorder();
    let connects = 0;
    let cancelled = false;
    const stop = subscribeBalance({
      api: {
        stream: async () => {
          connects += 1;
          const body = new ReadableStream<Uint8Array>({
            start: (controller) => controller.enqueue(new TextEncoder().encode(balanceEvent("1"))),
            cancel: () => {
              cancelled = true;
              seen.changed();
            },
          });
          return new Response(body);
        },
      },
      account: "user:alice",
      backoff: BACKOFF,
      sleep: async () => {},
      onBalances: seen.onBalances,
      onStatus: seen.onStatus,
    });
    await seen.until(() => seen.balances.length === 1);
    stop();
    await seen.until(() => cancelled);
    assert.equal(connects, 1);
    assert.equal(seen.statuses.at(-1), "live");
  });
});
