/**
 * A client that does what the API asks of one that must not lose or double an operation: it
 * sends each POST with its Idempotency-Key and sends it again, with the same key and the same
 * body, until it gets a final answer. A refused connection, a reset socket, a timeout, a 5xx,
 * `409 idempotency_in_progress` and `429` are not final; every other answer is.
 */

/** A final answer: its status and its JSON body. */
export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by the checks field by field
  body: any;
}

/** Counts of what the client met on its way to final answers, for the suite's figures. */
export interface RetryCounts {
  /** Attempts that got no answer at all (the server was down or died mid-request). */
  unreachable: number;
  /** `409 idempotency_in_progress`: a key whose first request died with its server. */
  inProgress: number;
  /** 5xx and 429. */
  other: number;
}

/** How long one attempt may take before it counts as lost: far above any answer, only so a hung socket cannot stall a test. */
const ATTEMPT_TIMEOUT_MS = 30_000;
/** How long to wait before the next attempt when the server gives no Retry-After. */
const RETRY_DELAY_MS = 25;
/** Gives up on one operation after this long (by default): a server that never comes back fails the test instead of hanging it. */
const OPERATION_DEADLINE_MS = 300_000;

/** An operation that got no final answer before the client's deadline. */
export class NoFinalAnswer extends Error {}

export class RetryingClient {
  readonly retries: RetryCounts = { unreachable: 0, inProgress: 0, other: 0 };

  /**
   * @param baseUrl where to send now (read at every attempt, so a restarted server on another port is found)
   * @param beforeAttempt awaited before every attempt: a test holds its clients here while it restarts and checks
   */
  constructor(
    private readonly options: {
      token: string;
      baseUrl: () => string;
      beforeAttempt?: () => Promise<void>;
      /** How long one operation may take, retries included (default 300 s). */
      deadlineMs?: number;
    },
  ) {}

  /** POSTs `body` with `key` until the answer is final. */
  post(path: string, key: string, body: unknown): Promise<Answer> {
    return this.untilFinal("POST", path, { key, body: JSON.stringify(body) });
  }

  /** GETs `path` until the answer is final (a read is safe to repeat). */
  get(path: string): Promise<Answer> {
    return this.untilFinal("GET", path, {});
  }

  private async untilFinal(method: string, path: string, request: { key?: string; body?: string }): Promise<Answer> {
    const deadlineMs = this.options.deadlineMs ?? OPERATION_DEADLINE_MS;
    const deadline = Date.now() + deadlineMs;
    let last = "no answer";
    for (;;) {
      if (Date.now() > deadline)
        throw new NoFinalAnswer(`${method} ${path}: no final answer within ${deadlineMs} ms (last: ${last})`);
      await this.options.beforeAttempt?.();
      let response: Response;
      let text: string;
      try {
        response = await fetch(`${this.options.baseUrl()}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            ...(request.body === undefined ? {} : { "content-type": "application/json" }),
            ...(request.key === undefined ? {} : { "idempotency-key": request.key }),
          },
          body: request.body,
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        });
        text = await response.text();
      } catch (error) {
        last = String(error);
        this.retries.unreachable += 1;
        await sleep(RETRY_DELAY_MS);
        continue;
      }
      const retryable = response.status >= 500 || response.status === 429 || response.status === 409;
      if (!retryable) return { status: response.status, body: text === "" ? null : JSON.parse(text) };
      last = `${response.status} ${text.slice(0, 300)}`;
      if (response.status === 409) this.retries.inProgress += 1;
      else this.retries.other += 1;
      const retryAfterSeconds = Number(response.headers.get("retry-after"));
      await sleep(
        Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0 ? retryAfterSeconds * 1000 : RETRY_DELAY_MS,
      );
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
