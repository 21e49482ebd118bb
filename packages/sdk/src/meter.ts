import type { TollgateClient } from "./client.ts";
import type { AccountRef } from "./resources.ts";

/** What `meter` needs of an `openai` client: `chat.completions.create`. */
export interface OpenAiLike {
  chat: { completions: { create(params: never, options?: never): PromiseLike<unknown> } };
}

export interface MeterOptions {
  tollgate: TollgateClient;
  account: AccountRef;
  /** The provider a bare model name is priced as; `openai/gpt-4o` names its own. Default openai. */
  provider?: string;
  /** The feature the calls serve (the account's plan must include it). */
  feature?: string;
  conversationId?: string;
  /** An organization member making the calls: their cap applies. */
  member?: string;
}

interface ChatParams {
  model: string;
  messages: unknown[];
  stream?: boolean;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stream_options?: Record<string, unknown> | null;
}

interface ReportedUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

/**
 * An `openai` client whose chat completions are paid for from a Tollgate account, for apps
 * that call the provider themselves rather than through the proxy: each call places a hold for
 * the most it can cost (from its messages and max tokens), makes the call, then settles the
 * hold from the usage the provider reported. A call that fails releases its hold; an answer
 * with no usage (a stream cut short) is charged the whole hold, as its tokens may have been
 * billed upstream. Streams are metered too: `stream_options.include_usage` is asked for, and
 * the hold is settled when the stream ends. Everything else on the client is untouched.
 *
 * @example
 * const openai = meter(new OpenAI(), { tollgate, account: "user:alice", conversationId: chatId });
 * const answer = await openai.chat.completions.create({ model: "gpt-4o-mini", messages });
 * // insufficient credits: a TollgateError (insufficient_credits) before anything is sent
 */
export function meter<Client extends OpenAiLike>(client: Client, options: MeterOptions): Client {
  const completions = client.chat.completions;
  const create = completions.create.bind(completions) as (
    params: ChatParams,
    options?: unknown,
  ) => PromiseLike<unknown>;
  const metered = async (params: ChatParams, requestOptions?: unknown): Promise<unknown> => {
    const { provider, model } = splitModel(params.model, options.provider ?? "openai");
    const maxTokens = params.max_completion_tokens ?? params.max_tokens ?? undefined;
    const hold = await options.tollgate.holds.create({
      account: options.account,
      provider,
      model,
      messages: params.messages,
      ...(maxTokens === undefined ? {} : { maxTokens }),
      ...(options.feature === undefined ? {} : { feature: options.feature }),
      ...(options.member === undefined ? {} : { member: options.member }),
    });
    const settle = async (usage: ReportedUsage | null | undefined) => {
      if (!usage) {
        await options.tollgate.holds.capture(hold.holdId, { amount: hold.amount });
        return;
      }
      const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
      await options.tollgate.usageEvents.record({
        account: options.account,
        provider,
        model,
        holdId: hold.holdId,
        usage: {
          inputTokens: Math.max(0, (usage.prompt_tokens ?? 0) - cached),
          ...(cached > 0 ? { cacheReadTokens: cached } : {}),
          outputTokens: usage.completion_tokens ?? 0,
        },
        success: true,
        ...(options.feature === undefined ? {} : { feature: options.feature }),
        ...(options.conversationId === undefined ? {} : { conversationId: options.conversationId }),
        ...(options.member === undefined ? {} : { member: options.member }),
      });
    };
    const sent = params.stream
      ? { ...params, stream_options: { ...params.stream_options, include_usage: true } }
      : params;
    let answer: unknown;
    try {
      answer = await create(sent, requestOptions);
    } catch (error) {
      await options.tollgate.holds.release(hold.holdId).catch(() => undefined);
      throw error;
    }
    if (!params.stream) {
      await settle((answer as { usage?: ReportedUsage }).usage);
      return answer;
    }
    return meteredStream(answer as AsyncIterable<{ usage?: ReportedUsage | null }>, settle);
  };
  const meteredCompletions = new Proxy(completions, {
    get: (target, key, receiver) => (key === "create" ? metered : Reflect.get(target, key, receiver)),
  });
  const chat = new Proxy(client.chat, {
    get: (target, key, receiver) => (key === "completions" ? meteredCompletions : Reflect.get(target, key, receiver)),
  });
  return new Proxy(client, {
    get: (target, key, receiver) => (key === "chat" ? chat : Reflect.get(target, key, receiver)),
  });
}

/**
 * The stream as the app reads it, chunk for chunk (the usage chunk included); when it ends —
 * read to its end, broken off by the app, or failed — the hold is settled once, from the
 * usage chunk if it came. The original stream's other members (`controller`) stay reachable.
 */
function meteredStream<Chunk extends { usage?: ReportedUsage | null }>(
  stream: AsyncIterable<Chunk>,
  settle: (usage: ReportedUsage | null | undefined) => Promise<void>,
): AsyncIterable<Chunk> {
  let usage: ReportedUsage | null | undefined;
  async function* chunks() {
    try {
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage;
        yield chunk;
      }
    } finally {
      await settle(usage);
    }
  }
  return new Proxy(stream as object, {
    get: (target, key, receiver) => (key === Symbol.asyncIterator ? chunks : Reflect.get(target, key, receiver)),
  }) as AsyncIterable<Chunk>;
}

function splitModel(name: string, defaultProvider: string): { provider: string; model: string } {
  const slash = name.indexOf("/");
  return slash > 0
    ? { provider: name.slice(0, slash), model: name.slice(slash + 1) }
    : { provider: defaultProvider, model: name };
}
