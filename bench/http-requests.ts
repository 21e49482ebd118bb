import { randomBytes } from "node:crypto";
import type autocannon from "autocannon";

/** An account of the server process (http-server-process.ts), by index. */
export const benchAccountName = (index: number) => `user:bench-${index}`;

const randomAccount = (accounts: number) => benchAccountName(Math.floor(Math.random() * accounts));

/** Idempotency keys unique across runs against one server: a random run prefix and a count. */
function idempotencyKeys(label: string): () => string {
  const run = randomBytes(4).toString("hex");
  let sequence = 0;
  return () => `${label}-${run}-${sequence++}`;
}

/** `POST /v1/charges` of 1 credit to a random one of `accounts`, each with a fresh `Idempotency-Key`. */
export function chargeRequest(options: { accounts: number }): autocannon.Request {
  const nextKey = idempotencyKeys("charge");
  return {
    method: "POST",
    path: "/v1/charges",
    setupRequest(request) {
      request.headers = { ...request.headers, "idempotency-key": nextKey() };
      request.body = JSON.stringify({ account: randomAccount(options.accounts), amount: "1" });
      return request;
    },
  };
}

/** What the batch responses said, item by item. */
export interface BatchTally {
  ok: number;
  failed: number;
  /** The first failed item's error code, to say why. */
  firstError: string | null;
}

/**
 * `POST /v1/usage-events/batch` of `batchSize` gpt-4o-mini calls (1,000 tokens in, 200 out),
 * each to a random one of `accounts` with its own event id, counting each response's items
 * in `tally`. Parsing the answers costs the load generator a little; unread, a failed item
 * would pass unseen.
 */
export function batchRequest(options: { accounts: number; batchSize: number; tally: BatchTally }): autocannon.Request {
  const nextKey = idempotencyKeys("batch");
  const { tally } = options;
  return {
    method: "POST",
    path: "/v1/usage-events/batch",
    setupRequest(request) {
      const key = nextKey();
      request.headers = { ...request.headers, "idempotency-key": key };
      request.body = usageBatchBody({ key, size: options.batchSize, accounts: options.accounts });
      return request;
    },
    onResponse(status, body) {
      if (status !== 200) return;
      const items = (JSON.parse(body) as { data: Array<{ ok: boolean; error?: { code: string } }> }).data;
      for (const item of items) {
        if (item.ok) tally.ok++;
        else {
          tally.failed++;
          tally.firstError ??= item.error?.code ?? "unknown";
        }
      }
    },
  };
}

/** A batch body: `size` events with ids `{key}-0` … under the request's idempotency key. */
function usageBatchBody(options: { key: string; size: number; accounts: number }): string {
  const events = Array.from({ length: options.size }, (_, index) => ({
    id: `${options.key}-${index}`,
    account: randomAccount(options.accounts),
    provider: "openai",
    model: "gpt-4o-mini",
    usage: { inputTokens: 1000, outputTokens: 200 },
  }));
  return JSON.stringify({ events });
}

/** `GET` of a random one of `accounts`'s balances, for a closed loop (autocannon). */
export function balanceReadRequest(options: { accounts: number }): autocannon.Request {
  return {
    method: "GET",
    path: balancePath(options.accounts),
    setupRequest(request) {
      request.path = balancePath(options.accounts);
      return request;
    },
  };
}

/** The path of a balance read of a random one of `accounts`. */
export function balancePath(accounts: number): string {
  return `/v1/accounts/${randomAccount(accounts)}/balances`;
}
