// Runs in the browser: one chat completion through Tollgate's metering proxy, streamed.

/** One message of the conversation, in OpenAI's shape. */
export interface ChatMessage {
  role: "user" | "assistant";
  content: string;
}

/** The model asked for, in OpenRouter's `provider/model` form (priced as OpenAI's gpt-4o-mini). */
export const CHAT_MODEL = "openai/gpt-4o-mini";

/**
 * Sends the conversation to `/billing/openai/v1/chat/completions` as the user (their customer
 * token) and yields the reply's text as it streams. Tollgate holds the most the call can cost
 * before it starts and settles the exact cost once the stream ends; `X-Tollgate-Conversation`
 * files the charge under this chat, which is what `<ChatCost>` shows. A refusal (out of
 * credits: 402) throws with Tollgate's message.
 *
 * @example
 * for await (const piece of streamChat({ token, conversationId: "chat-1", messages })) reply += piece;
 */
export async function* streamChat(options: {
  token: string;
  conversationId: string;
  messages: ChatMessage[];
}): AsyncGenerator<string> {
  const response = await fetch("/billing/openai/v1/chat/completions", {
    method: "POST",
    headers: {
      Authorization: `Bearer ${options.token}`,
      "Content-Type": "application/json",
      "X-Tollgate-Conversation": options.conversationId,
    },
    // max_tokens bounds the hold: without it the most the call could cost is the model's whole output.
    body: JSON.stringify({ model: CHAT_MODEL, messages: options.messages, stream: true, max_tokens: 200 }),
  });
  if (!response.ok || !response.body) throw new Error(await refusalOf(response));
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value;
    // Server-Sent Events: blank-line separated, each `data: <one JSON chunk>`, then `data: [DONE]`.
    for (let end = buffered.indexOf("\n\n"); end >= 0; end = buffered.indexOf("\n\n")) {
      const lines = buffered.slice(0, end).split("\n");
      buffered = buffered.slice(end + 2);
      const data = lines
        .find((line) => line.startsWith("data:"))
        ?.slice(5)
        .trim();
      // No data: a comment (some providers send `: keep-alive`) or another kind of event.
      if (data === undefined) continue;
      if (data === "[DONE]") return;
      const chunk = JSON.parse(data) as {
        error?: { message?: string };
        choices?: Array<{ delta?: { content?: string } }>;
      };
      if (chunk.error) throw new Error(chunk.error.message ?? "the stream failed");
      const piece = chunk.choices?.[0]?.delta?.content;
      if (piece) yield piece;
    }
  }
}

/** The proxy answers refusals in OpenAI's format: `{ error: { message, code } }`. */
async function refusalOf(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    if (body.error?.message) return body.error.message;
  } catch {
    // Not JSON: the status says enough.
  }
  return `the chat failed (${response.status})`;
}
