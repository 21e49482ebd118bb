import { request } from "undici";
import type { ProxyTarget } from "./proxy-target.ts";

/** One model as the upstream lists it: its id, and OpenAI's `created` and `owned_by` when it sent them. */
export interface UpstreamModel {
  id: string;
  created: number;
  ownedBy: string | null;
}

/** Largest listing read: OpenRouter's is about 1 MB; a limit on everything. */
export const MODELS_LISTING_BYTES_MAX = 16 * 1024 * 1024;

/** How long a listing is reused: models come and go over days, and listing is not metered. */
export const MODELS_LISTING_TTL_MS = 60_000;

/** The upstream could not list its models: answered 502. */
export class UpstreamModelsError extends Error {}

/**
 * The upstream's `GET /models`, read at most once a minute (`MODELS_LISTING_TTL_MS`) and shared
 * by every caller, since the listing is the same for all; concurrent readers wait on one
 * request. Accepts OpenAI's `{ object: "list", data: [{ id, created, owned_by }] }` and
 * OpenRouter's `{ data: [{ id, created, … }] }`.
 *
 * @example
 * const models = new UpstreamModels(target, { nowMs: Date.now });
 * (await models.list()).map((model) => model.id); // ["openai/gpt-4o-mini", …]
 */
export class UpstreamModels {
  #cached: { models: UpstreamModel[]; readMs: number } | null = null;
  #reading: Promise<UpstreamModel[]> | null = null;

  constructor(
    private readonly target: Pick<ProxyTarget, "baseUrl" | "headers">,
    private readonly options: { nowMs: () => number; ttlMs?: number },
  ) {}

  list(): Promise<UpstreamModel[]> {
    const cached = this.#cached;
    const ttlMs = this.options.ttlMs ?? MODELS_LISTING_TTL_MS;
    if (cached && this.options.nowMs() - cached.readMs < ttlMs) return Promise.resolve(cached.models);
    this.#reading ??= this.#read().finally(() => {
      this.#reading = null;
    });
    return this.#reading;
  }

  async #read(): Promise<UpstreamModel[]> {
    let answer: Awaited<ReturnType<typeof request>>;
    try {
      answer = await request(`${this.target.baseUrl}/models`, {
        method: "GET",
        headers: { ...this.target.headers, accept: "application/json" },
      });
    } catch (error) {
      throw new UpstreamModelsError(`the upstream could not be reached: ${String(error)}`);
    }
    const text = await boundedText(answer.body);
    if (answer.statusCode >= 400) throw new UpstreamModelsError(`the upstream answered ${answer.statusCode}`);
    const models = parseListing(text);
    this.#cached = { models, readMs: this.options.nowMs() };
    return models;
  }
}

async function boundedText(body: AsyncIterable<Uint8Array> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > MODELS_LISTING_BYTES_MAX) {
      body.destroy();
      throw new UpstreamModelsError(`the upstream's listing is over ${MODELS_LISTING_BYTES_MAX} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseListing(text: string): UpstreamModel[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UpstreamModelsError("the upstream's listing is not JSON");
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new UpstreamModelsError("the upstream's listing has no data array");
  const models: UpstreamModel[] = [];
  for (const entry of data as Array<Record<string, unknown> | null>) {
    if (typeof entry?.id !== "string" || entry.id.length === 0 || entry.id.length > 200) continue;
    models.push({
      id: entry.id,
      created: typeof entry.created === "number" && Number.isSafeInteger(entry.created) ? entry.created : 0,
      ownedBy: typeof entry.owned_by === "string" ? entry.owned_by : null,
    });
  }
  return models;
}
