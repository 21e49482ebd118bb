/**
 * How many input tokens a chat-completions request can be billed, known before it is sent, so
 * a hold can cover it. OpenAI-family models are counted with their own tokenizer; every other
 * model gets a bound that needs no tokenizer. Images, audio and tools have no exact count
 * before the call (an image's size is unknown until fetched), so each adds a documented bound.
 *
 * @example
 * const count = await countPromptTokens({
 *   provider: "openai",
 *   model: "gpt-4o",
 *   messages: [{ role: "user", content: "hi" }],
 * });
 * // { tokens: 8, tokensMin: 8, method: "tokenizer" }: 3 framing + "user" + "hi", 3 priming
 */

/** `tokenizer`: counted with the model's own encoding. `byte_bound`: an upper bound from UTF-8 bytes. */
export type PromptTokenMethod = "tokenizer" | "byte_bound";

export interface PromptTokenCount {
  /** What the prompt can be billed at most (for `tokenizer`, the count plus the bounds below). */
  readonly tokens: number;
  /**
   * What the prompt costs at least: the chat text alone for `tokenizer`, 0 for `byte_bound`.
   * Capping output by `contextWindow - tokensMin` never shrinks the output bound because an
   * image or a byte count was over-estimated.
   */
  readonly tokensMin: number;
  readonly method: PromptTokenMethod;
}

export interface CountPromptTokensOptions {
  readonly provider: string;
  readonly model: string;
  /** The request's `messages` as they came on the wire: validated here (RangeError). */
  readonly messages: unknown;
  /** The request's `tools` as they came on the wire, if any. */
  readonly tools?: unknown;
}

/**
 * Input tokens one image part can cost, at most. OpenAI's tile models cost 85 + 170 per 512px
 * tile after fitting 2048x2048 and scaling the short side down to 768px: at most 2x4 tiles, so
 * 1,445 (the docs' 1,105 is their 2048x4096 example, not the maximum). Its patch models cap at
 * 1,536 patches x 2.46 (gpt-4.1-nano) = 3,779; Claude caps near 4,784 (Opus 4.7: 3.75 MP in
 * 28px patches); Gemini 3's high resolution is 1,120. 5,000 covers them all.
 */
export const IMAGE_PART_TOKENS_MAX = 5_000;

/** gpt-4o-mini bills images at 2,833 + 5,667 per tile (so they cost what gpt-4o's do): 8 tiles. */
export const GPT_4O_MINI_IMAGE_PART_TOKENS_MAX = 48_169;

/** Highest documented audio rate: Gemini's fixed 32 tokens a second (gpt-4o audio is near 10). */
export const AUDIO_TOKENS_PER_SECOND_MAX = 32;

/** Fewest bytes a second of audio takes: MP3's lowest bitrate, 8 kbit/s; any WAV is denser. */
export const AUDIO_BYTES_PER_SECOND_MIN = 1_000;

/**
 * OpenAI renders `tools` as a TypeScript-like `namespace functions {…}` block; gpt-tokenizer
 * models it as that block plus 9 tokens. Each tool's JSON is longer than its rendering, so only
 * the block's frame (about 14 tokens) and a "# Tools" header need covering: 32.
 */
export const OPENAI_TOOLS_TOKENS_OVERHEAD = 32;

/**
 * Chat-template tokens around one message, beyond its role and text (counted as bytes): Llama
 * 3, Gemma and ChatML use 4 (header markers, end of turn, newline); SentencePiece adds at most
 * one more for its leading-space marker.
 */
export const BYTE_BOUND_MESSAGE_OVERHEAD_TOKENS = 8;

/**
 * Tokens a template adds once per request: BOS, the reply header, and the default preamble
 * some templates inject (Llama 3.1's knowledge-cutoff header, Qwen's default system prompt and
 * gpt-oss's Harmony system message run 20 to 50 tokens).
 */
export const BYTE_BOUND_REQUEST_OVERHEAD_TOKENS = 64;

/** Anthropic's hidden tool-use system prompt is at most 530 tokens (Claude 3 Opus, auto). */
export const BYTE_BOUND_TOOLS_OVERHEAD_TOKENS = 600;

const ROLES = ["system", "developer", "user", "assistant", "tool", "function"];

/** Special-token text in a prompt ("<|im_end|>") is billed as plain text, not as the token. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/** One validated message: what it puts into the prompt. */
interface PromptMessage {
  readonly role: string;
  readonly name: string | undefined;
  /** String content, or its text and refusal parts joined by newlines. */
  readonly text: string;
  /** Tool calls (as JSON) and tool call ids: rendered in a form we do not know, counted as written. */
  readonly otherTexts: string[];
  readonly imageCount: number;
  readonly audioTokensMax: number;
}

type Tokenizer = typeof import("gpt-tokenizer/encoding/o200k_base");
const tokenizers = new Map<string, Promise<Tokenizer>>();

/**
 * The encoding's tokenizer, loaded on first use (the o200k ranks take ~200 ms) and kept: a
 * dynamic `import()` on every call costs a module-cache lookup that is far from free under a
 * loader (0.29 ms a call under tsx, measured), on the proxy's hot path.
 */
export function loadTokenizer(encoding: "o200k_base" | "cl100k_base"): Promise<Tokenizer> {
  let loaded = tokenizers.get(encoding);
  if (!loaded) {
    loaded =
      encoding === "o200k_base"
        ? import("gpt-tokenizer/encoding/o200k_base")
        : (import("gpt-tokenizer/encoding/cl100k_base") as Promise<Tokenizer>);
    tokenizers.set(encoding, loaded);
  }
  return loaded;
}

/**
 * Counts (OpenAI family) or bounds (any other model) the input tokens of a chat request.
 * Malformed `messages` or `tools` are a RangeError naming the field, e.g.
 * `messages[1].content[0].text must be a string; got number`.
 *
 * @example
 * await countPromptTokens({ provider: "anthropic", model: "claude-sonnet-4", messages: [{ role: "user", content: "héllo 世界" }] });
 * // { tokens: 89, tokensMin: 0, method: "byte_bound" }: 64 + 8 + 4 ("user") + 13 bytes
 */
export async function countPromptTokens(options: CountPromptTokensOptions): Promise<PromptTokenCount> {
  const messages = readMessages(options.messages);
  const toolsJson = readTools(options.tools);
  const imageTokensMax = /gpt-4o-mini/i.test(options.model) ? GPT_4O_MINI_IMAGE_PART_TOKENS_MAX : IMAGE_PART_TOKENS_MAX;
  let attachmentTokens = 0;
  for (const message of messages) attachmentTokens += message.imageCount * imageTokensMax + message.audioTokensMax;
  const encoding = openAiEncoding(options.provider, options.model);
  if (encoding === undefined) {
    return { tokens: byteBound(messages, toolsJson) + attachmentTokens, tokensMin: 0, method: "byte_bound" };
  }
  const tokenizer = await loadTokenizer(encoding);
  const chat = messages.map((message) => ({ role: message.role, content: message.text }));
  // 3 framing tokens a message plus 3 priming the reply, as OpenAI's cookbook counts them.
  let tokensMin = 0;
  const chatModel = encoding === "o200k_base" ? "gpt-4o" : "gpt-4";
  for (const chunk of tokenizer.encodeChatGenerator(chat, chatModel, AS_TEXT)) tokensMin += chunk.length;
  let otherTokens =
    toolsJson === undefined ? 0 : tokenizer.countTokens(toolsJson, AS_TEXT) + OPENAI_TOOLS_TOKENS_OVERHEAD;
  for (const message of messages) {
    // The cookbook's rule: a name costs its tokens plus one.
    if (message.name !== undefined) tokensMin += tokenizer.countTokens(message.name, AS_TEXT) + 1;
    for (const text of message.otherTexts) otherTokens += tokenizer.countTokens(text, AS_TEXT);
  }
  return { tokens: tokensMin + otherTokens + attachmentTokens, tokensMin, method: "tokenizer" };
}

/**
 * The OpenAI encoding for a model, or undefined outside the family. Azure deployment names are
 * free text, so an unrecognized one gets o200k_base, the encoding of every current model.
 * gpt-oss is left out: other providers serve it with their own templates.
 */
function openAiEncoding(provider: string, model: string): "o200k_base" | "cl100k_base" | undefined {
  const name = model
    .toLowerCase()
    .replace(/^openai\//, "")
    .replace(/^ft:/, "");
  const isOpenAi =
    provider === "openai" || provider === "azure" || /^openai\//i.test(model) || /^(gpt-|o1|o3|o4|chatgpt-)/.test(name);
  if (!isOpenAi || name.startsWith("gpt-oss")) return undefined;
  // OpenAI's embedding models (text-embedding-3-*, ada-002) encode with cl100k_base.
  return /^(gpt-(4(?![o.])|3\.5|35)|text-embedding-)/.test(name) ? "cl100k_base" : "o200k_base";
}

/**
 * A byte-level BPE token is at least one byte, and SentencePiece with byte fallback emits at
 * most one token per byte plus one leading-space marker, so no such tokenizer emits more tokens
 * than a text has UTF-8 bytes. Framing comes from the overhead constants above.
 */
function byteBound(messages: readonly PromptMessage[], toolsJson: string | undefined): number {
  let tokens = BYTE_BOUND_REQUEST_OVERHEAD_TOKENS;
  if (toolsJson !== undefined) tokens += Buffer.byteLength(toolsJson) + BYTE_BOUND_TOOLS_OVERHEAD_TOKENS;
  for (const message of messages) {
    tokens += BYTE_BOUND_MESSAGE_OVERHEAD_TOKENS + Buffer.byteLength(message.role) + Buffer.byteLength(message.text);
    if (message.name !== undefined) tokens += Buffer.byteLength(message.name);
    for (const text of message.otherTexts) tokens += Buffer.byteLength(text);
  }
  return tokens;
}

function readMessages(value: unknown): PromptMessage[] {
  if (!Array.isArray(value)) throw new RangeError(`messages must be an array of messages; got ${describe(value)}`);
  if (value.length === 0) throw new RangeError("messages must contain at least one message");
  return value.map((message, index) => readMessage(message, `messages[${index}]`));
}

function readMessage(value: unknown, path: string): PromptMessage {
  const message = readObject(value, path);
  if (typeof message.role !== "string" || !ROLES.includes(message.role)) {
    throw new RangeError(`${path}.role must be one of ${ROLES.join(", ")}; got ${describe(message.role)}`);
  }
  const otherTexts: string[] = [];
  const toolCallId = readOptionalString(message.tool_call_id, `${path}.tool_call_id`);
  if (toolCallId !== undefined) otherTexts.push(toolCallId);
  if (message.tool_calls !== undefined && message.tool_calls !== null) {
    readToolCalls(message.tool_calls, `${path}.tool_calls`);
    otherTexts.push(JSON.stringify(message.tool_calls));
  }
  const texts: string[] = [];
  let imageCount = 0;
  let audioTokensMax = 0;
  const { content } = message;
  if (typeof content === "string") texts.push(content);
  else if (Array.isArray(content)) {
    content.forEach((item: unknown, index) => {
      const partPath = `${path}.content[${index}]`;
      const part = readObject(item, partPath);
      if (part.type === "text") texts.push(readString(part.text, `${partPath}.text`));
      else if (part.type === "refusal") texts.push(readString(part.refusal, `${partPath}.refusal`));
      else if (part.type === "image_url") {
        const image = readObject(part.image_url, `${partPath}.image_url`);
        readString(image.url, `${partPath}.image_url.url`);
        readOptionalString(image.detail, `${partPath}.image_url.detail`);
        imageCount += 1;
      } else if (part.type === "input_audio") {
        const audio = readObject(part.input_audio, `${partPath}.input_audio`);
        const base64Length = readString(audio.data, `${partPath}.input_audio.data`).length;
        readString(audio.format, `${partPath}.input_audio.format`);
        const bytes = Math.ceil((base64Length * 3) / 4);
        audioTokensMax += Math.ceil((bytes * AUDIO_TOKENS_PER_SECOND_MAX) / AUDIO_BYTES_PER_SECOND_MIN);
      } else {
        const expected = "text, image_url, input_audio or refusal";
        throw new RangeError(`${partPath}.type must be ${expected}; got ${describe(part.type)}`);
      }
    });
  } else if (content !== undefined && content !== null) {
    throw new RangeError(`${path}.content must be a string, an array of parts or null; got ${describe(content)}`);
  }
  const name = readOptionalString(message.name, `${path}.name`);
  return { role: message.role, name, text: texts.join("\n"), otherTexts, imageCount, audioTokensMax };
}

function readToolCalls(value: unknown, path: string): void {
  if (!Array.isArray(value)) throw new RangeError(`${path} must be an array; got ${describe(value)}`);
  value.forEach((item: unknown, index) => {
    const call = readObject(readObject(item, `${path}[${index}]`).function, `${path}[${index}].function`);
    readString(call.name, `${path}[${index}].function.name`);
    readString(call.arguments, `${path}[${index}].function.arguments`);
  });
}

/** The tools as JSON: an upper-leaning estimate of what the provider renders from them. */
function readTools(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new RangeError(`tools must be an array; got ${describe(value)}`);
  if (value.length === 0) return undefined;
  for (const [index, tool] of value.entries()) readObject(tool, `tools[${index}]`);
  return JSON.stringify(value);
}

function readObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new RangeError(`${path} must be an object; got ${describe(value)}`);
}

function readString(value: unknown, path: string): string {
  if (typeof value === "string") return value;
  throw new RangeError(`${path} must be a string; got ${describe(value)}`);
}

function readOptionalString(value: unknown, path: string): string | undefined {
  return value === undefined || value === null ? undefined : readString(value, path);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : typeof value;
}
