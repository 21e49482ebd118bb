/**
 * A subscriber to `GET /v1/accounts/{account}/events`, as a browser's EventSource is: it reads
 * the `balance` events as they come and says once one shows a given balance.
 */

/** One open stream of an account's live balances. */
export interface BalanceStream {
  /** Settles once an event shows `balance` (in credits), or rejects at the deadline. */
  seen(balance: string, deadlineMs: number): Promise<void>;
  close(): void;
}

/** Opens the stream and waits for its first event (the balance now). */
export async function openBalanceStream(url: string, token: string, account: string): Promise<BalanceStream> {
  const abort = new AbortController();
  const response = await fetch(`${url}/v1/accounts/${account}/events`, {
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
    signal: abort.signal,
  });
  if (response.status !== 200 || !response.body) throw new Error(`events of ${account} at ${url}: ${response.status}`);
  const balances: string[] = [];
  let notify = () => {};
  let first = () => {};
  let noEvent = (_error: Error) => {};
  const firstEvent = new Promise<void>((resolve, reject) => {
    first = resolve;
    noEvent = reject;
  });
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end = buffered.indexOf("\n\n");
        while (end >= 0) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = event.split("\n").find((line) => line.startsWith("data:"));
          if (event.includes("event: balance") && data) {
            // The balances per unit, as GET …/balances lists them under `data`.
            const lines: Array<{ unit: string; balance: string }> = JSON.parse(data.slice("data:".length));
            const credits = lines.find((line) => line.unit === "credits");
            balances.push(credits?.balance ?? "0");
            first();
            notify();
          }
          end = buffered.indexOf("\n\n");
        }
      }
    } catch {
      // Closed by close(), or the server went away: seen() then reports what it saw.
    }
    noEvent(new Error(`events of ${account} at ${url} ended before their first event`));
  })();
  await firstEvent;
  return {
    async seen(balance, deadlineMs) {
      const deadline = Date.now() + deadlineMs;
      while (!balances.includes(balance)) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`${url}: no event showed balance ${balance}; saw ${balances.slice(-5).join(", ")}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          notify = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    close: () => abort.abort(),
  };
}
