import type pg from "pg";

/** How long to wait before listening again after the connection was lost. */
const RECONNECT_DELAY_MS = 500;

/**
 * LISTEN on a connection of its own, taken from the pool and kept. If the connection is
 * lost, reports null at once and again once it listens on a new one: notifications sent
 * meanwhile are gone, so the listener must assume anything changed (a cache drops all it
 * holds, and again after the gap). It retries every RECONNECT_DELAY_MS for as long as the
 * database is away.
 */
export async function listenWithReconnect(
  pool: pg.Pool,
  quotedChannel: string,
  onMessage: (payload: string | null) => void,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: { connection: pg.PoolClient; release(error?: Error): void } | null = null;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = await pool.connect();
    let released = false;
    // Once per connection: a client can emit more than one error as it dies, and releasing
    // it twice throws, which inside an event handler would end the process.
    const release = (error?: Error) => {
      if (released) return;
      released = true;
      next.release(error);
    };
    const listening = { connection: next, release };
    next.on("notification", (message) => onMessage(message.payload ?? ""));
    next.on("error", (error: Error) => {
      release(error);
      // Lost before it listened: the failed LISTEN below reports it, and the caller retries.
      if (client !== listening) return;
      client = null;
      if (stopped) return;
      onMessage(null);
      retry = setTimeout(reconnect, RECONNECT_DELAY_MS);
    });
    try {
      await next.query(`listen ${quotedChannel}`);
    } catch (error) {
      release(error as Error);
      throw error;
    }
    client = listening;
  };
  const reconnect = () => {
    if (stopped) return;
    connect().then(
      () => {
        // Stopped while it reconnected: nobody listens any more.
        if (stopped) {
          client?.release();
          client = null;
          return;
        }
        onMessage(null);
      },
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
      await current.connection.query(`unlisten ${quotedChannel}`).catch(() => {});
      current.release();
    }
  };
}
