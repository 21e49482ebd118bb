import { setTimeout as sleep } from "node:timers/promises";

/** What one `POST /v1/charges` was answered. */
export interface ChargeOutcome {
  key: string;
  account: string;
  /** The HTTP status, or 0 when no answer came (the socket failed). */
  status: number;
  retryAfter: string | null;
  code: string | null;
  transactionId: string | null;
}

/** Charge loops running against a server until stopped; every answer is kept. */
export interface ChargeLoops {
  readonly outcomes: readonly ChargeOutcome[];
  /** Resolves once `count` more charges than now have been answered 200 (or rejects after `deadlineMs`). */
  waitForSuccesses(count: number, deadlineMs?: number): Promise<void>;
  /** Stops the loops and waits for the requests in flight. */
  stop(): Promise<void>;
}

/** A pause after a 503, so loops against a database that is down do not spin the CPU the server needs. */
const PAUSE_AFTER_UNAVAILABLE_MS = 5;

/**
 * Runs `loops` loops, each charging 1 unit at a time on `accounts` (round robin) with a fresh
 * Idempotency-Key per charge, as an app under load would.
 */
export function startChargeLoops(options: {
  url: string;
  token: string;
  accounts: readonly string[];
  loops: number;
  keyPrefix: string;
}): ChargeLoops {
  const outcomes: ChargeOutcome[] = [];
  let stopped = false;
  let sequence = 0;
  let successes = 0;
  const waiters: Array<{ target: number; resolve: () => void }> = [];

  const chargeOnce = async (): Promise<void> => {
    const index = sequence++;
    const key = `${options.keyPrefix}-${index}`;
    const account = options.accounts[index % options.accounts.length] as string;
    const outcome = await charge({ url: options.url, token: options.token, account, key });
    outcomes.push(outcome);
    if (outcome.status === 200) successes++;
    for (const waiter of waiters.filter((each) => successes >= each.target)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    if (outcome.status !== 200) await sleep(PAUSE_AFTER_UNAVAILABLE_MS);
  };
  const running = Array.from({ length: options.loops }, async () => {
    while (!stopped) await chargeOnce();
  });

  return {
    outcomes,
    async waitForSuccesses(count, deadlineMs = 60_000) {
      const target = successes + count;
      if (successes >= target) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => waiters.push({ target, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${count} charges did not succeed within ${deadlineMs} ms (${successes} so far)`)),
            deadlineMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

/** One charge of 1 unit; a retry passes the same key. */
export async function charge(options: {
  url: string;
  token: string;
  account: string;
  key: string;
}): Promise<ChargeOutcome> {
  const { account, key } = options;
  try {
    const response = await fetch(`${options.url}/v1/charges`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${options.token}`,
        "idempotency-key": key,
        "content-type": "application/json",
      },
      body: JSON.stringify({ account, amount: "1" }),
    });
    const body = (await response.json().catch(() => ({}))) as {
      transactionId?: string;
      error?: { code?: string };
    };
    return {
      key,
      account,
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      code: body.error?.code ?? null,
      transactionId: body.transactionId ?? null,
    };
  } catch {
    return { key, account, status: 0, retryAfter: null, code: null, transactionId: null };
  }
}
