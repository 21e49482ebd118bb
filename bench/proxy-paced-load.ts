import { Pool } from "undici";

/** How often the pacer wakes: Node's timers do not go below a millisecond. */
const TICK_MS = 1;
/** A call that has not answered in this long counts as an error, not as a latency. */
const ANSWER_TIMEOUT_MS = 30_000;

/** What a latency is measured to: the last byte of the answer, or the first byte of its body. */
export type LatencyPoint = "last_byte" | "first_byte";

/** One request of a run: its headers and body. */
export interface PostRequest {
  headers: Record<string, string>;
  body: string;
}

export interface PacedPostOptions {
  /** Keep-alive connections to the target (`openPostPool`), reused across runs. */
  pool: Pool;
  path: string;
  /** Requests started per second, whether or not earlier ones have answered (an open loop). */
  ratePerSecond: number;
  /** Requests in the run. */
  requests: number;
  request: (sequence: number) => PostRequest;
  latencyTo: LatencyPoint;
}

/** What one paced run saw. */
export interface PacedPostOutcome {
  /** Latency of each 2xx answer, in ms, from starting the request to `latencyTo`. */
  latenciesMs: number[];
  non2xx: number;
  /** Requests that got no answer: connection errors and timeouts. */
  errors: number;
  /** The first failure, to say what went wrong (a status and the start of its body, or an error). */
  firstFailure: string | null;
}

/**
 * Keep-alive connections to `origin`, at most `connectionsMax`: a request finding them all
 * busy waits for one, and its latency shows it. undici, not Node's `http` client, whose own
 * half millisecond a request would be measured with (http-get-connections.ts); it is the
 * same client for every target, so what it costs cancels out of an added latency.
 */
export function openPostPool(origin: string, connectionsMax: number): Pool {
  return new Pool(origin, {
    connections: connectionsMax,
    pipelining: 1,
    headersTimeout: ANSWER_TIMEOUT_MS,
    bodyTimeout: ANSWER_TIMEOUT_MS,
  });
}

/**
 * POSTs at a fixed rate: every millisecond the pacer starts as many requests as the schedule
 * says are due by now (1 every 2 ms at 500/s), so a slow answer does not hold the next ones
 * back and queueing shows in the latencies (an open loop, as http-paced-load.ts paces GETs).
 * A stream's time to first byte is to its first body chunk, not its head: a proxy may send
 * the head before it has anything to pass on.
 */
export function runPacedPosts(options: PacedPostOptions): Promise<PacedPostOutcome> {
  const outcome: PacedPostOutcome = { latenciesMs: [], non2xx: 0, errors: 0, firstFailure: null };
  const { pool, path, ratePerSecond, requests } = options;
  let sent = 0;
  let settled = 0;
  const startedAt = performance.now();
  return new Promise((resolve) => {
    if (requests === 0) return resolve(outcome);
    const onSettled = () => {
      if (++settled < requests) return;
      clearInterval(timer);
      resolve(outcome);
    };
    const send = (sequence: number) => {
      const { headers, body } = options.request(sequence);
      void post(pool, { path, headers, body }, options.latencyTo).then((answer) => {
        if ("error" in answer) {
          outcome.errors++;
          outcome.firstFailure ??= answer.error;
        } else if (answer.status >= 200 && answer.status < 300) {
          outcome.latenciesMs.push(answer.latencyMs);
        } else {
          outcome.non2xx++;
          outcome.firstFailure ??= `${answer.status}: ${answer.text.slice(0, 300)}`;
        }
        onSettled();
      });
    };
    const timer = setInterval(() => {
      const due = Math.min(requests, Math.floor(((performance.now() - startedAt) * ratePerSecond) / 1000));
      while (sent < due) send(sent++);
    }, TICK_MS);
  });
}

type Answer = { status: number; latencyMs: number; text: string } | { error: string };

async function post(
  pool: Pool,
  request: { path: string; headers: Record<string, string>; body: string },
  latencyTo: LatencyPoint,
): Promise<Answer> {
  const began = performance.now();
  try {
    const answer = await pool.request({ method: "POST", ...request });
    let firstByteMs: number | null = null;
    const ok = answer.statusCode >= 200 && answer.statusCode < 300;
    let text = "";
    for await (const chunk of answer.body) {
      firstByteMs ??= performance.now() - began;
      // Only a failure's body is kept (to say what it was); a success's is read and dropped.
      if (!ok && text.length < 1000) text += chunk.toString();
    }
    const lastByteMs = performance.now() - began;
    const latencyMs = latencyTo === "first_byte" ? (firstByteMs ?? lastByteMs) : lastByteMs;
    return { status: answer.statusCode, latencyMs, text };
  } catch (error) {
    return { error: String(error) };
  }
}
