// The server's OpenAPI document built in-process, as `tollgate serve` answers GET /openapi.json
// (the live balance stream included), on an in-memory PGlite: no running server, no network.
// Build-time only: the SDK's runtime never imports this file or the server.
import { Meter } from "@tollgate/metering";
import { ApiKeys, BalanceEvents, Ledger } from "@tollgate/store";
import { createApp } from "../../server/src/create-app.ts";

export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const ledger = await Ledger.open({ dataDir: "memory://" });
  const meter = await Meter.open({ ledger });
  const keys = await ApiKeys.open(ledger.sql);
  const balanceEvents = new BalanceEvents(ledger.sql);
  try {
    const app = createApp({ ledger, meter, keys, balanceEvents });
    const response = await app.request("/openapi.json");
    if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  } finally {
    await balanceEvents.close();
    await keys.close();
    await meter.close();
    await ledger.close();
  }
}
