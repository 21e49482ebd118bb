import { Meter } from "@tollgate/metering";
import { ApiKeys } from "@tollgate/store";
import type { ServerConfig } from "./config.ts";
import { createApp } from "./create-app.ts";
import { newLocalCredential } from "./local-credential.ts";
import { openLedger, type StorageOpenOptions } from "./open-ledger.ts";
import { createStripeClient } from "./stripe/stripe-client.ts";

/** The HTTP API without a socket: what the CLI talks to when no server holds the database. */
export interface InProcessApi {
  /** Answers a request as the server would, authenticated with `credential`. */
  fetch(request: Request): Promise<Response>;
  /** An admin credential this app alone accepts, for this process's life. */
  readonly credential: string;
  /** Closes the meter and the ledger, freeing the embedded data directory. */
  close(): Promise<void>;
}

/**
 * Opens the configured ledger and builds the same app `tollgate serve` serves, to be called
 * with `app.request()` instead of over a socket: so the CLI does every command through the
 * HTTP API, whether a server runs or not, and the two can never drift apart. No background
 * work starts (expiry sweeps and webhook deliveries stay the server's); no metrics, no
 * access log.
 *
 * @example
 * const api = await openInProcessApi(loadServerConfig());
 * const response = await api.fetch(new Request("http://tollgate/v1/accounts/user:alice", {
 *   headers: { authorization: `Bearer ${api.credential}` },
 * }));
 * await api.close();
 */
export async function openInProcessApi(config: ServerConfig, options: StorageOpenOptions = {}): Promise<InProcessApi> {
  const opened = await openLedger(config, options);
  let meter: Meter | undefined;
  try {
    meter = await Meter.open({ ledger: opened.ledger, pricing: config.pricing });
    const credential = newLocalCredential();
    const app = createApp({
      ledger: opened.ledger,
      meter,
      keys: new ApiKeys(opened.ledger.sql, { clock: () => opened.ledger.now() }),
      pricing: config.pricing,
      operations: { ...config.operations, metrics: false, accessLog: false },
      localCredential: credential,
      catalog: config.plans,
      stripe: { client: createStripeClient(config.stripe), webhookSecrets: config.stripe.webhookSecrets },
    });
    const openMeter = meter;
    return {
      credential,
      fetch: async (request) => app.fetch(request),
      async close() {
        try {
          await openMeter.close();
        } finally {
          await opened.close();
        }
      },
    };
  } catch (error) {
    await meter?.close();
    await opened.close();
    throw error;
  }
}
