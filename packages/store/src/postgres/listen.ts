import type pg from "pg";

/** How long to wait before listening again after the connection was lost. */
const RECONNECT_DELAY_MS = 500;

/**
 * LISTEN on a connection of its own, taken from the pool and kept. If the connection is
 * lost, reports null at once and again once it listens on a new one: notifications sent
 * meanwhile are gone, so the listener must assume anything changed (a cache drops all it
 * holds, and again after the gap).
 */
export async function listenWithReconnect(
  pool: pg.Pool,
  quotedChannel: string,
  onMessage: (payload: string | null) => void,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.PoolClient | null = null;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = await pool.connect();
    next.on("notification", (message) => onMessage(message.payload ?? ""));
    next.on("error", () => {
      next.release(true);
      if (client === next) client = null;
      if (!stopped) onMessage(null);
      if (!stopped) retry = setTimeout(reconnect, RECONNECT_DELAY_MS);
    });
    await next.query(`listen ${quotedChannel}`);
    client = next;
  };
  const reconnect = () => {
    connect().then(
      () => onMessage(null),
      () => {
        if (!stopped) retry = setTimeout(reconnect, RECONNECT_DELAY_MS);
      },
    );
  };

  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const current = client;
    client = null;
    if (current) {
      await current.query(`unlisten ${quotedChannel}`).catch(() => {});
      current.release();
    }
  };
}
