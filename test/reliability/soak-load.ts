import { randomBytes } from "node:crypto";
import { type HttpClient, openAndCloseStream } from "./http-client.ts";

/** What one operation of the mix did: its requests' statuses, and how long it took end to end. */
export interface OperationResult {
  kind: string;
  ok: boolean;
  /** The first unexpected status and body, to say why an operation failed. */
  problem: string | null;
  latencyMs: number;
}

/** The accounts the mix spreads over: created on first use with their signup grant. */
export const SOAK_ACCOUNTS = 50;

/**
 * The mixed operations of an app's backend, by weight out of 100: charges, a hold then its
 * settle, balance reads, usage events, usage reports, and now and then a live balance stream
 * opened until its first event and closed, as a browser tab does.
 */
export function soakMix(options: { url: string; client: HttpClient; token: string }) {
  const { url, client, token } = options;
  const run = randomBytes(4).toString("hex");
  let sequence = 0;
  const headers = () => ({ authorization: `Bearer ${token}`, "idempotency-key": `soak-${run}-${++sequence}` });
  const read = { authorization: `Bearer ${token}` };
  const account = () => `user:soak-${Math.floor(Math.random() * SOAK_ACCOUNTS)}`;
  const expect = async (kind: string, began: number, steps: Array<() => Promise<{ status: number; body: string }>>) => {
    for (const step of steps) {
      const answer = await step();
      if (answer.status !== 200)
        return { kind, ok: false, problem: `${answer.status} ${answer.body.slice(0, 200)}`, latencyMs: 0 };
    }
    return { kind, ok: true, problem: null, latencyMs: performance.now() - began };
  };

  const operations: Array<{ weight: number; run: () => Promise<OperationResult> }> = [
    {
      weight: 40,
      run: () =>
        expect("charge", performance.now(), [
          () => client.send("POST", "/v1/charges", { headers: headers(), body: { account: account(), amount: "1" } }),
        ]),
    },
    {
      weight: 15,
      run: async () => {
        const began = performance.now();
        const hold = await client.send("POST", "/v1/holds", {
          headers: headers(),
          body: { account: account(), amount: "5" },
        });
        if (hold.status !== 200)
          return { kind: "hold", ok: false, problem: `${hold.status} ${hold.body}`, latencyMs: 0 };
        const { holdId } = JSON.parse(hold.body) as { holdId: string };
        return expect("hold+settle", began, [
          () => client.send("POST", `/v1/holds/${holdId}/settle`, { headers: headers(), body: { amount: "3" } }),
        ]);
      },
    },
    {
      weight: 25,
      run: () =>
        expect("balance", performance.now(), [
          () => client.send("GET", `/v1/accounts/${account()}/balances`, { headers: read }),
        ]),
    },
    {
      weight: 10,
      run: () =>
        expect("usage event", performance.now(), [
          () =>
            client.send("POST", "/v1/usage-events", {
              headers: headers(),
              body: {
                account: account(),
                provider: "openai",
                model: "gpt-4o-mini",
                usage: { inputTokens: 1000, outputTokens: 200 },
              },
            }),
        ]),
    },
    {
      weight: 9,
      run: () =>
        expect("usage report", performance.now(), [
          () => client.send("GET", `/v1/accounts/${account()}/usage?limit=20`, { headers: read }),
        ]),
    },
    {
      weight: 1,
      run: async () => {
        const began = performance.now();
        const ok = await openAndCloseStream(url, `/v1/accounts/${account()}/events`, token);
        return { kind: "stream", ok, problem: ok ? null : "no balance event", latencyMs: performance.now() - began };
      },
    },
  ];
  const total = operations.reduce((sum, operation) => sum + operation.weight, 0);
  return (): Promise<OperationResult> => {
    let pick = Math.random() * total;
    for (const operation of operations) {
      pick -= operation.weight;
      if (pick < 0) return operation.run();
    }
    return (operations[0] as (typeof operations)[number]).run();
  };
}

/** A closed loop: `concurrency` workers run `count` operations back to back; how many a second it managed. */
export async function closedLoopRate(
  operation: () => Promise<OperationResult>,
  options: { count: number; concurrency: number },
): Promise<{ operationsPerSecond: number; failures: OperationResult[] }> {
  const failures: OperationResult[] = [];
  let started = 0;
  const began = performance.now();
  const worker = async () => {
    while (started < options.count) {
      started++;
      const result = await operation();
      if (!result.ok) failures.push(result);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { operationsPerSecond: (options.count * 1000) / (performance.now() - began), failures };
}

/**
 * An open loop at `ratePerSecond`: every millisecond it starts the operations the schedule says
 * are due, whether or not earlier ones answered (at most `inFlightMax` at once, so a stalled
 * server cannot make it open sockets without bound; a late operation's latency shows the wait).
 * `onResult` gets each operation's result as it ends. Resolves once `durationMs` has passed and
 * every started operation has ended.
 */
export function pacedLoad(
  operation: () => Promise<OperationResult>,
  options: {
    ratePerSecond: number;
    durationMs: number;
    inFlightMax: number;
    onResult: (result: OperationResult) => void;
  },
): Promise<{ started: number }> {
  const began = performance.now();
  let started = 0;
  let inFlight = 0;
  return new Promise((resolve) => {
    let ended = false;
    const finish = () => {
      if (ended && inFlight === 0) resolve({ started });
    };
    const timer = setInterval(() => {
      const elapsedMs = performance.now() - began;
      if (elapsedMs >= options.durationMs) {
        clearInterval(timer);
        ended = true;
        finish();
        return;
      }
      const due = Math.floor((elapsedMs * options.ratePerSecond) / 1000);
      while (started < due && inFlight < options.inFlightMax) {
        started++;
        inFlight++;
        const scheduledAt = began + ((started - 1) * 1000) / options.ratePerSecond;
        void operation().then((result) => {
          inFlight--;
          // Measured from when it was due, not when it was sent: a late start is latency too.
          options.onResult({ ...result, latencyMs: result.ok ? performance.now() - scheduledAt : 0 });
          finish();
        });
      }
    }, 1);
  });
}
