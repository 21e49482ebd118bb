import { Agent, request as httpRequest } from "node:http";

/** A request that has not answered after this long counts as failed: far beyond any healthy answer. */
const REQUEST_TIMEOUT_MS = 30_000;
/** How long a keep-alive socket may sit idle in the pool: under Node's server default of 5 s. */
const IDLE_SOCKET_MS = 2_000;

/** One answer: its status (0 when the request failed without one), body and latency. */
export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  latencyMs: number;
}

/**
 * HTTP/1.1 with keep-alive over a pool of its own sockets, so a phase of the suite can close
 * every connection it opened (`close`) and the server's handles can be seen to fall back.
 */
export class HttpClient {
  readonly #agent: Agent;

  constructor(
    private readonly url: string,
    options: { socketsMax: number },
  ) {
    // An idle socket is closed after 2 s, before the server's own keep-alive timeout (5 s)
    // would close it: reusing a socket the server is closing that very moment is a reset.
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.socketsMax, timeout: IDLE_SOCKET_MS });
  }

  /** Sends one request; never throws (a failure is status 0). */
  send(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
    return sendRequest(this.url, method, path, { ...options, agent: this.#agent });
  }

  /** Destroys every socket of the pool. */
  close(): void {
    this.#agent.destroy();
  }
}

/** One request on a connection of its own, closed after the answer (the agent's, when given). */
export function sendRequest(
  url: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; agent?: Agent } = {},
): Promise<Answer> {
  const began = performance.now();
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve) => {
    const request = httpRequest(
      `${url}${path}`,
      {
        method,
        agent: options.agent ?? false,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(options.agent ? {} : { connection: "close" }),
          ...options.headers,
        },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: text,
            headers: response.headers,
            latencyMs: performance.now() - began,
          }),
        );
        response.on("error", () =>
          resolve({ status: 0, body: text, headers: {}, latencyMs: performance.now() - began }),
        );
      },
    );
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", (error) =>
      resolve({ status: 0, body: String(error), headers: {}, latencyMs: performance.now() - began }),
    );
    request.end(body);
  });
}

/**
 * Opens `GET path` as an event stream on a connection of its own, waits for its first
 * `event: balance`, then closes it as a browser tab does. Resolves with whether the event came.
 */
export function openAndCloseStream(url: string, path: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = httpRequest(`${url}${path}`, {
      agent: false,
      timeout: REQUEST_TIMEOUT_MS,
      headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
    });
    request.on("response", (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => {
        text += chunk;
        if (text.includes("event: balance")) {
          request.destroy();
          resolve(response.statusCode === 200);
        }
      });
      response.on("error", () => resolve(false));
      response.on("end", () => resolve(false));
    });
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", () => resolve(false));
    request.end();
  });
}

/** `/metrics` as numbers by series (`name` or `name{labels}` exactly as printed). */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const answer = await sendRequest(url, "GET", "/metrics");
  if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}: ${answer.body.slice(0, 200)}`);
  const series = new Map<string, number>();
  for (const line of answer.body.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

/** The `fraction` quantile (0–1) of `values`, by the nearest rank; 0 for none. */
export function quantile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}
