import type { RequestIdVariables } from "hono/request-id";

/** What every handler may read from the context. */
export type AppEnv = { Variables: RequestIdVariables };
