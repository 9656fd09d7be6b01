// Server-Sent Events read from a fetch response: EventSource cannot POST a question, so the
// copilot's stream is parsed here, by the WHATWG "event stream interpretation" rules
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).

export interface ServerSentEvent {
  /** `message` when the event names no type. */
  event: string;
  /** The `data:` lines, joined by newlines. */
  data: string;
}

/** A parser fed text as it arrives, in chunks cut anywhere; it calls `onEvent` once per complete
 * event. Comment lines (`: ping`), `id` and `retry` are read and dropped: the copilot's stream
 * is not resumed. */
export function createSseParser(onEvent: (event: ServerSentEvent) => void): {
  feed(chunk: string): void;
  end(): void;
} {
  let pending = "";
  let started = false;
  let type = "";
  let data: string[] = [];

  function line(text: string): void {
    if (text === "") {
      // A blank line ends the event; one without data is not dispatched.
      if (data.length) onEvent({ event: type || "message", data: data.join("\n") });
      type = "";
      data = [];
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
  }

  function lines(final: boolean): void {
    // Lines end in CRLF, LF or CR. A CR last in a chunk may be the first half of a CRLF cut by
    // the chunk boundary: it waits for the next chunk, or the end of the stream.
    let start = 0;
    for (let i = 0; i < pending.length; i++) {
      const char = pending[i];
      if (char !== "\n" && char !== "\r") continue;
      if (char === "\r" && i === pending.length - 1 && !final) break;
      line(pending.slice(start, i));
      if (char === "\r" && pending[i + 1] === "\n") i++;
      start = i + 1;
    }
    pending = pending.slice(start);
  }

  return {
    feed(chunk: string) {
      pending += chunk;
      if (!started && pending) {
        started = true;
        if (pending.startsWith("\uFEFF")) pending = pending.slice(1);
      }
      lines(false);
    },
    /** The stream ended: a held CR ends its line; an unfinished event is dropped. */
    end() {
      lines(true);
    },
  };
}

/** The events of a response body as they arrive. An event the stream ends in the middle of is
 * dropped, as the standard says. Aborting the request ends the iteration with its AbortError;
 * leaving the loop early cancels the body. */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const arrived: ServerSentEvent[] = [];
  const parser = createSseParser((event) => arrived.push(event));
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      yield* arrived.splice(0);
    }
    parser.feed(decoder.decode());
    parser.end();
    yield* arrived.splice(0);
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
