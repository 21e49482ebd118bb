import type { AccountRef } from "@tollgate/core";
import type { RequestIdVariables } from "hono/request-id";

/**
 * What every handler may read from the context. `proxyAccount`: the account a proxied call's
 * key resolved to, set by the proxy's limits (which must know it first), so the route does
 * not verify the key a second time.
 */
export type AppEnv = { Variables: RequestIdVariables & { proxyAccount?: AccountRef } };
