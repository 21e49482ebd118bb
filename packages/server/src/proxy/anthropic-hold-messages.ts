/**
 * An Anthropic Messages request's prompt in the chat form the meter estimates holds from
 * (`{ role, content }` with text and image parts), so Claude calls are bounded by the same
 * counting as every other model: Claude has no public tokenizer, so that is the UTF-8 byte bound
 * (no tokenizer emits more tokens than a text has bytes) plus the documented framing overheads.
 *
 * Every block becomes text as long as, or longer than, what Claude reads of it: a tool call's
 * name and input as JSON, a tool result's content, a thinking block's text, and any other block
 * (a document, a server tool's result, a type added after this was written) as its whole JSON.
 * Images become image parts, bounded by `IMAGE_PART_TOKENS_MAX` (5,000: Claude's largest
 * image is about 4,784 tokens).
 *
 * @example
 * holdMessages({ system: "Be brief.", messages: [{ role: "user", content: "hi" }] })
 * // [{ role: "system", content: "Be brief." }, { role: "user", content: [{ type: "text", text: "hi" }] }]
 */
export function holdMessages(request: { system?: unknown; messages: readonly unknown[] }): unknown[] {
  const chat: unknown[] = [];
  if (request.system !== undefined && request.system !== null) {
    chat.push({ role: "system", content: blocksText(request.system) });
  }
  for (const message of request.messages) {
    const { role, content } = message as { role: string; content: unknown };
    chat.push({ role, content: typeof content === "string" ? content : parts(content as unknown[]) });
  }
  return chat;
}

type ChatPart = { type: "text"; text: string } | { type: "image_url"; image_url: { url: string } };

function parts(blocks: readonly unknown[]): ChatPart[] {
  const out: ChatPart[] = [];
  for (const block of blocks) {
    const { type } = block as { type?: unknown };
    if (type === "image") {
      // The meter bounds an image part by the largest any model bills, whatever its source.
      out.push({ type: "image_url", image_url: { url: "anthropic:image" } });
    } else if (type === "tool_result") {
      const { content, tool_use_id: id } = block as { content?: unknown; tool_use_id?: unknown };
      out.push({ type: "text", text: typeof id === "string" ? id : "" });
      if (typeof content === "string") out.push({ type: "text", text: content });
      else if (Array.isArray(content)) out.push(...parts(content));
    } else {
      out.push({ type: "text", text: blockText(block) });
    }
  }
  return out;
}

/** `system`: a string, or text blocks (other blocks as their JSON). */
function blocksText(system: unknown): string {
  if (typeof system === "string") return system;
  if (!Array.isArray(system)) return JSON.stringify(system);
  return system.map(blockText).join("\n");
}

function blockText(block: unknown): string {
  const record = block as Record<string, unknown>;
  switch (record.type) {
    case "text":
      return typeof record.text === "string" ? record.text : JSON.stringify(block);
    case "thinking":
      return typeof record.thinking === "string" ? record.thinking : JSON.stringify(block);
    case "tool_use":
      return `${String(record.name)}${JSON.stringify(record.input ?? {})}`;
    default:
      return JSON.stringify(block);
  }
}
