/**
 * The same response, with `onEnd` called once its body is over however it ends: read to its
 * end, failed, or cancelled (the client went away). A response without a body ends now. The
 * body is read only as fast as it is written out, so a slow client still slows the stream
 * behind it (backpressure), and nothing is buffered here.
 *
 * @example
 * c.res = whenBodyEnds(c.res, () => slot.free());
 */
export function whenBodyEnds(response: Response, onEnd: () => void): Response {
  const { body } = response;
  if (body === null) {
    onEnd();
    return response;
  }
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  const reader = body.getReader();
  const watched = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let read: Awaited<ReturnType<typeof reader.read>>;
        try {
          read = await reader.read();
        } catch (error) {
          end();
          controller.error(error);
          return;
        }
        if (read.done) {
          end();
          controller.close();
        } else {
          controller.enqueue(read.value);
        }
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    },
    // Nothing read ahead: the source's own buffer is the only one.
    { highWaterMark: 0 },
  );
  return new Response(watched, { status: response.status, statusText: response.statusText, headers: response.headers });
}
