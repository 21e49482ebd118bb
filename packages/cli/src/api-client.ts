import { randomUUID } from "node:crypto";
import { findRunningServer, type InProcessApi, openInProcessApi } from "@tollgate/server";
import { CliError, EXIT } from "./cli-error.ts";
import { type CommandContext, storageOpenOptions } from "./context.ts";

export type ApiMethod = "GET" | "POST" | "DELETE";

export interface ApiRequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Left out when undefined; everything else is sent as its string. */
  query?: Record<string, string | number | boolean | undefined>;
  /** A POST's Idempotency-Key; a fresh one when left out. */
  idempotencyKey?: string;
}

/**
 * The HTTP API as a command sees it, whichever way it is reached: through the server that
 * runs on this data directory, or through the same app built in this process.
 *
 * @example
 * const balances = await api.request<{ data: Balance[] }>("GET", "/v1/accounts/user:alice/balances");
 */
export interface ApiClient {
  /** The answer's JSON; an error answer is thrown as a `CliError` with its code and details. */
  request<T>(method: ApiMethod, path: string, options?: ApiRequestOptions): Promise<T>;
  /** As `request`, and whether the answer is an Idempotency-Key replay of an earlier one. */
  send<T>(method: ApiMethod, path: string, options?: ApiRequestOptions): Promise<{ body: T; replayed: boolean }>;
  /** Where the requests go, for progress lines: "the server at http://… (pid 123)" or "postgres …". */
  readonly via: string;
}

/**
 * Runs `work` against the HTTP API and always closes what it opened. On the embedded database
 * a running `tollgate serve` holds the data directory, so its requests go to that server, with
 * the credential it left for the directory's owner (`server.json`); otherwise the ledger is
 * opened here and the app built in process, exactly as the server builds it.
 *
 * @example
 * await withApi(context, (api) => api.request("POST", "/v1/accounts", { body: { type: "user", externalId: "alice" } }));
 */
export async function withApi<T>(context: CommandContext, work: (api: ApiClient) => Promise<T>): Promise<T> {
  const transport = await connect(context);
  try {
    return await work(clientOver(transport));
  } finally {
    await transport.close();
  }
}

interface Transport {
  via: string;
  credential: string;
  /** `target` is the path and query string; `init` the method, headers and body. */
  send(target: string, init: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** The origin in-process requests are made against: never resolved, only parsed. */
const IN_PROCESS_ORIGIN = "http://tollgate.in-process";

async function connect(context: CommandContext): Promise<Transport> {
  const { storage } = context.config;
  if (storage.kind === "pglite" && !storage.dataDir.startsWith("memory://")) {
    const running = findRunningServer(storage.dataDir);
    if (running.found === "unreadable") {
      throw new CliError(
        "server_unreachable",
        `a tollgate server runs on ${storage.dataDir}, but its ${running.path} cannot be read by this user (${running.reason}): run the command as the user who started the server`,
        EXIT.unexpected,
      );
    }
    if (running.found === "server") {
      const { url, pid, credential } = running.info;
      return {
        via: `the server at ${url} (pid ${pid})`,
        credential,
        send: (target, init) => sendToServer(url + target, init, pid),
        close: async () => {},
      };
    }
  }
  const api: InProcessApi = await openInProcessApi(context.config, storageOpenOptions(context));
  return {
    via: storage.kind === "postgres" ? "PostgreSQL" : storage.dataDir,
    credential: api.credential,
    send: (target, init) => api.fetch(new Request(IN_PROCESS_ORIGIN + target, init)),
    close: () => api.close(),
  };
}

async function sendToServer(url: string, init: RequestInit, pid: number): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(
      "server_unreachable",
      `the tollgate server at ${new URL(url).origin} (pid ${pid}) holds the data directory but does not answer (${cause?.code ?? cause?.message ?? (error as Error).message}); wait for it to start or stop it`,
      EXIT.unexpected,
    );
  }
}

function clientOver(transport: Transport): ApiClient {
  const client: ApiClient = {
    via: transport.via,
    async request<T>(method: ApiMethod, path: string, options?: ApiRequestOptions): Promise<T> {
      return (await client.send<T>(method, path, options)).body;
    },
    async send<T>(method: ApiMethod, path: string, options: ApiRequestOptions = {}) {
      const url = new URL(path, IN_PROCESS_ORIGIN);
      for (const [name, value] of Object.entries(options.query ?? {})) {
        if (value !== undefined) url.searchParams.set(name, String(value));
      }
      const headers: Record<string, string> = { authorization: `Bearer ${transport.credential}` };
      if (options.body !== undefined) headers["content-type"] = "application/json";
      if (method === "POST") headers["idempotency-key"] = options.idempotencyKey ?? `cli-${randomUUID()}`;
      const response = await transport.send(url.pathname + url.search, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
      const text = await response.text();
      const json = text.length > 0 ? parseJson(text, response.status) : null;
      if (!response.ok) throw apiFailure(response.status, json);
      return { body: json as T, replayed: response.headers.get("idempotent-replayed") === "true" };
    },
  };
  return client;
}

function parseJson(text: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError("unexpected", `the API answered ${status} with a body that is not JSON`, EXIT.unexpected);
  }
}

interface ErrorJson {
  error?: { code?: string; message?: string; details?: Record<string, unknown>; requestId?: string | null };
}

/**
 * An error answer as the CLI reports it: the ledger's own code when the API gives one
 * (`details.reason`, e.g. `member_cap_exceeded`), its message, and its amounts. Exit codes
 * keep their meaning (docs/reference/cli.md): the caller's input 2, a refusal 1, anything
 * that a retry or an operator must fix 3.
 */
function apiFailure(status: number, json: unknown): CliError {
  const error = (json as ErrorJson | null)?.error ?? {};
  const details = error.details ?? {};
  const code = typeof details.reason === "string" ? details.reason : (error.code ?? "unexpected");
  const printed: Record<string, string> = {};
  for (const [name, value] of Object.entries(details)) {
    if (name !== "reason" && name !== "fields" && (typeof value === "string" || typeof value === "number")) {
      printed[name] = String(value);
    }
  }
  if (status >= 500 && error.requestId) printed.requestId = error.requestId;
  return new CliError(code, error.message ?? `the API answered ${status}`, exitCodeOf(status), printed);
}

function exitCodeOf(status: number): number {
  if (status === 400 || status === 413) return EXIT.invalidInput;
  if (status === 401 || status === 409 || status === 429 || status >= 500) return EXIT.unexpected;
  return EXIT.failed;
}
