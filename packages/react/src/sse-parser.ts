/** One Server-Sent Event as the stream carried it (comments and heartbeats are dropped). */
export interface SseEvent {
  event: string;
  id: string | null;
  data: string;
}

/**
 * Parses `text/event-stream` text fed in arbitrary chunks (a network read may end anywhere,
 * mid-line included), per the HTML spec's rules: `event:`, `id:`, `data:` (joined by newlines),
 * lines starting with `:` ignored, a blank line ends an event. Written by hand because
 * `EventSource` cannot send an `Authorization` header, and a customer token must not go in a URL.
 *
 * @example
 * const parser = createSseParser();
 * parser.push("event: balance\ndata: []\n\n"); // [{ event: "balance", id: null, data: "[]" }]
 */
export function createSseParser() {
  let buffer = "";
  let event = "";
  let id: string | null = null;
  let data: string[] = [];
  return {
    push(chunk: string): SseEvent[] {
      buffer += chunk;
      const events: SseEvent[] = [];
      for (;;) {
        const newline = buffer.search(/\r\n|\r|\n/);
        if (newline < 0) break;
        // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
        if (buffer[newline] === "\r" && newline === buffer.length - 1) break;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
        if (line === "") {
          if (data.length > 0) events.push({ event: event || "message", id, data: data.join("\n") });
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
        else if (field === "id" && !value.includes("\0")) id = value;
      }
      return events;
    },
  };
}
