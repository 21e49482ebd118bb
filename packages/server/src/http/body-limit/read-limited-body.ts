/**
 * How much of a chunked body over its limit the server reads and throws away before it answers
 * 413: enough that a client that sent a little too much keeps its connection, not so much that a
 * client streaming without end ties the server up.
 */
export const DRAIN_BYTES_MAX = 8 * 1_048_576;

/** A body read up to its limit: its bytes, or how it went over. */
export type LimitedBody =
  | { outcome: "within"; bytes: Uint8Array }
  /** Over the limit, read to its end: the connection is clean for the client's next request. */
  | { outcome: "over_drained" }
  /** Over the limit by more than DRAIN_BYTES_MAX: the rest was not read, the connection must close. */
  | { outcome: "over_undrained" };

/**
 * Reads a body of undeclared length (chunked) counting its bytes. Past `bytesMax` it keeps
 * reading, discarding, to the end of the body: answering while the client is still sending
 * leaves the rest unread on the socket, which then cannot carry another request and is reset
 * when closed, so the client may never see the 413. Past `bytesMax + DRAIN_BYTES_MAX` it stops.
 *
 * @example
 * const body = await readLimitedBody(request.body, 1_048_576); // { outcome: "within", bytes }
 */
export async function readLimitedBody(body: ReadableStream<Uint8Array>, bytesMax: number): Promise<LimitedBody> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes <= bytesMax) chunks.push(value);
    else if (chunks.length > 0) chunks.length = 0;
    if (bytes > bytesMax + DRAIN_BYTES_MAX) {
      await reader.cancel().catch(() => {});
      return { outcome: "over_undrained" };
    }
  }
  if (bytes > bytesMax) return { outcome: "over_drained" };
  return { outcome: "within", bytes: concat(chunks, bytes) };
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
