import { defineLedgerConfig, type LedgerConfig, type PlanCatalog } from "@tollgate/core";
import { Meter, type PricingConfig } from "@tollgate/metering";
import { ApiKeys, type LedgerOptions } from "@tollgate/store";
import { openTestLedger, type TestDatabase } from "@tollgate/store/testing";
import { createApp } from "../../create-app.ts";

/** An answer's status and JSON body. */
export interface TestAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * The app on a fresh test ledger with a secret key, for the route tests: `call` sends a JSON
 * request as the app's backend (a fresh `Idempotency-Key` on every POST unless `key` is given,
 * or `null` for none) and answers the status and the parsed body.
 *
 * @example
 * const api = await openTestApi(database);
 * const { status, body } = await api.call("POST", "/v1/charges", { account: "user:alice", amount: "5" });
 */
export async function openTestApi(
  database: TestDatabase,
  options: {
    ledger?: Partial<LedgerConfig>;
    pricing?: PricingConfig;
    clock?: () => Date;
    /** Plans and packs, synced into the ledger as the server does at start. */
    catalog?: PlanCatalog;
    /** The ledger's lanes, batch size and queue bound (back-pressure tests). */
    lanes?: Pick<LedgerOptions, "lanes" | "batchSizeMax" | "queueMax">;
  } = {},
) {
  const ledger = await openTestLedger(database, {
    config: defineLedgerConfig({ signupGrants: { user: [], organization: [], guest: [] }, ...options.ledger }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...options.lanes,
  });
  if (options.catalog) await ledger.syncPlanCatalog(options.catalog);
  const meter = await Meter.open({ ledger, ...(options.pricing ? { pricing: options.pricing } : {}) });
  const keys = await ApiKeys.open(ledger.sql);
  const secret = (await keys.create({ kind: "secret", name: "backend" })).token;
  const app = createApp({ ledger, meter, keys, ...(options.catalog ? { catalog: options.catalog } : {}) });
  let sequence = 0;
  const call = async <T = Record<string, unknown>>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
    request: { key?: string | null; token?: string } = {},
  ): Promise<TestAnswer<T>> => {
    const key = request.key === undefined ? `test-${++sequence}` : request.key;
    const response = await app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${request.token ?? secret}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(method === "POST" && key !== null ? { "idempotency-key": key } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T, headers: response.headers };
  };
  return {
    ledger,
    meter,
    keys,
    app,
    call,
    async close() {
      await keys.close();
      await meter.close();
      await ledger.dispose();
    },
  };
}

export type TestApi = Awaited<ReturnType<typeof openTestApi>>;

/** The error of a refused answer. */
export type ErrorAnswer = {
  error: {
    code: string;
    message: string;
    details: { fields?: Array<{ field: string; message: string }> } & Record<string, unknown>;
  };
};
